// The Bot API misbehaves: bursts of 5xx, answers that take 10 s, connections cut before a byte
// passes. Replies wait and arrive later, each exactly once; none is dropped after a few failures.
import { assertEquals, assertGreater } from "@std/assert";
import { backends } from "./support/db.ts";
import { type BotUnderTest, startBot, startSandboxServer } from "./support/telegram.ts";
import { startFlakyProxy } from "./support/flaky_proxy.ts";
import type { SandboxUser } from "../web/sandbox/driver.ts";

const [backend] = await backends();

async function welcomedOnce(users: SandboxUser[], timeoutMs: number) {
  await Promise.all(users.map((user) => user.expectMessage(/^Hello/, timeoutMs)));
  await new Promise((r) => setTimeout(r, 500)); // a late second copy would show up here
  for (const user of users) {
    assertEquals(user.botMessages.filter((m) => m.text?.startsWith("Hello")).length, 1, `${user.info.first_name}`);
  }
}

Deno.test({
  name: `[${backend}] Bot API storms: 5xx for 8 s, 10 s answers, cut connections — every reply later, once`,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const server = startSandboxServer();
    const proxy = startFlakyProxy(server.url);
    let bot: BotUnderTest | undefined;
    try {
      bot = await startBot(backend, server, "webhook", { env: { TELEGRAM_API_ROOT: `${proxy.url}/sandbox` } });
      const { faults } = server.sandbox;
      const users = (prefix: string) =>
        Array.from({ length: 12 }, (_, i) => server.driver.user(`${prefix}${i}`, { language: "en" }));

      await t.step("a 5xx storm longer than a few retries", async () => {
        const group = users("Storm");
        faults.failStatus = 502;
        faults.failNext = 1_000_000;
        for (const user of group) user.send("/start");
        await new Promise((r) => setTimeout(r, 8_000));
        faults.failNext = 0;
        await welcomedOnce(group, 20_000);
        assertGreater(bot!.platform.gateway.sender.stats.retried, 12, "the storm did happen");
        assertEquals(bot!.platform.gateway.sender.stats.failed, 0, "no reply given up on");
      });

      await t.step("answers that take 10 s", async () => {
        const group = users("Slow");
        faults.slowMs = 10_000;
        const began = performance.now();
        for (const user of group) user.send("/start");
        await welcomedOnce(group, 25_000);
        faults.slowMs = 0;
        assertGreater(performance.now() - began, 9_500, "the answers were slow");
      });

      await t.step("connections cut before a byte passes, for 3 s", async () => {
        const group = users("Cut");
        proxy.cut(true);
        for (const user of group) user.send("/start");
        await new Promise((r) => setTimeout(r, 3_000));
        proxy.cut(false);
        await welcomedOnce(group, 20_000);
        assertGreater(proxy.resets, 0, "connections were cut");
        assertEquals(bot!.platform.gateway.sender.stats.failed, 0, "no reply given up on");
      });
    } finally {
      await bot?.stop();
      proxy.stop();
      await server.stop();
    }
  },
});
