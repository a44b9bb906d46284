// The e2e benchmark's Telegram: a sandbox in a process of its own (Telegram's work is not the
// bot's), driven over stdin with one JSON command per line, answering one JSON line per command.
import { Hono } from "hono";
import { Sandbox } from "../../web/sandbox/sandbox.ts";
import { sandboxRoutes } from "../../web/sandbox/routes.ts";
import { lines } from "../support/lines.ts";
import { replyClock } from "./reply_clock.ts";
import { paced, percentile } from "./support.ts";

type Command =
  | { cmd: "burst"; webhook: string; secret?: string; count: number }
  | { cmd: "rate"; webhook: string; secret?: string; rate: number; seconds: number };

const sandbox = new Sandbox();
const app = new Hono().route("/", sandboxRoutes(sandbox, { miniAppUrl: () => "http://127.0.0.1/app" }));
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
const say = (value: unknown) => console.log(JSON.stringify(value));

const start = (id: number) =>
  sandbox.userSends(id, { text: "/start", entities: [{ type: "bot_command", offset: 0, length: 6 }] });

say({ url: `http://127.0.0.1:${server.addr.port}`, token: sandbox.token, bot: sandbox.bot });
for await (const line of lines(Deno.stdin.readable)) {
  const command = JSON.parse(line) as Command;
  sandbox.setWebhook(command.webhook, command.secret, 100);
  if (command.cmd === "burst") {
    const clock = replyClock(sandbox);
    const people = Array.from(
      { length: command.count },
      (_, i) => sandbox.createUser(`U${i}`, { language: i % 2 ? "en" : "ru" }),
    );
    const began = performance.now();
    for (const person of people) start(person.id);
    await clock.until(command.count);
    say({ rate: command.count / ((performance.now() - began) / 1000) });
  } else {
    const clock = replyClock(sandbox);
    const total = Math.floor(command.rate * command.seconds);
    const people = Array.from({ length: total }, (_, i) => sandbox.createUser(`H${i}`));
    await paced(command.rate, total, (i) => start(people[i].id));
    await clock.until(total);
    const sorted = clock.latencies.sort((a, b) => a - b);
    say({ p50: percentile(sorted, 50), p99: percentile(sorted, 99) });
  }
  sandbox.deleteWebhook();
}
sandbox.close();
await server.shutdown();
