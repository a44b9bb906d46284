// Mini App initData: signed as Telegram signs it, verified in constant time, stale or forged refused.
import { assert, assertEquals } from "@std/assert";
import { signInitData, verifyInitData } from "../web/telegram/init_data.ts";

const token = "1000001:sandbox-token-0123456789abcdefghijklmn";
const user = { id: 42, first_name: "Анна", language_code: "ru" };

Deno.test("initData: a signed string verifies and yields the user", async () => {
  const initData = await signInitData(token, { user, authDate: new Date("2026-03-01T10:00:00Z"), queryId: "AAQ1" });
  const check = await verifyInitData(initData, token, new Date("2026-03-01T12:00:00Z"));
  assert(check.ok);
  assertEquals(check.user, user);
});

Deno.test("initData: forged, foreign, stale, missing and malformed strings are refused", async () => {
  const at = new Date("2026-03-01T10:00:00Z");
  const initData = await signInitData(token, { user, authDate: at });
  const forged = initData.replace(encodeURIComponent('"id":42'), encodeURIComponent('"id":43'));
  assertEquals(await verifyInitData(forged, token, at), { ok: false, reason: "bad_hash" });
  assertEquals(await verifyInitData(initData, "999:other-token-0123456789abcdefghijkl", at), {
    ok: false,
    reason: "bad_hash",
  });
  assertEquals(await verifyInitData(initData, token, new Date(at.getTime() + 25 * 3600_000)), {
    ok: false,
    reason: "expired",
  });
  assertEquals(await verifyInitData("", token, at), { ok: false, reason: "missing" });
  assertEquals(await verifyInitData("user=%7B&hash=zz", token, at), { ok: false, reason: "malformed" });
});
