// Mini App requests carry Telegram's initData in `Authorization: tma <initData>`; it is checked on
// every call (signature, then age), and the verified user is handed to the route.
import { createMiddleware } from "hono/factory";
import { verifyInitData, type WebAppUser } from "../telegram/init_data.ts";

export interface MiniAppAuthOptions {
  botToken: string;
  maxAgeMs: number;
  now(): Date;
}

export type MiniAppEnv = { Variables: { tgUser: WebAppUser; requestId: string } };

const reasons = {
  missing: "missing initData: send it as `Authorization: tma <initData>`",
  malformed: "malformed initData",
  bad_hash: "initData signature does not match",
  expired: "initData is too old: reopen the Mini App",
};

export function requireInitData(options: MiniAppAuthOptions) {
  return createMiddleware<MiniAppEnv>(async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const initData = header.startsWith("tma ") ? header.slice(4).trim() : "";
    const check = await verifyInitData(initData, options.botToken, options.now(), options.maxAgeMs);
    if (!check.ok) return c.json({ ok: false, error: reasons[check.reason] }, 401);
    c.set("tgUser", check.user);
    await next();
  });
}
