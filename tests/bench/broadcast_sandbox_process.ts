// The broadcast benchmark's Telegram: a sandbox enforcing its limits in a process of its own,
// driven over stdin one JSON command per line: make users, start a measurement, report it.
import { Hono } from "hono";
import { Sandbox } from "../../web/sandbox/sandbox.ts";
import { sandboxRoutes } from "../../web/sandbox/routes.ts";
import { lines } from "../support/lines.ts";

type Command =
  | { cmd: "users"; count: number }
  | { cmd: "limits"; globalPerSecond: number; paidPerSecond: number }
  | { cmd: "mark" }
  | { cmd: "stats" };

const sandbox = new Sandbox({
  limits: { enabled: true, globalPerSecond: 30, perChatPerSecond: 1, paidPerSecond: 1000 },
});
const app = new Hono().route("/", sandboxRoutes(sandbox, { miniAppUrl: () => "http://127.0.0.1/app" }));
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
const say = (value: unknown) => console.log(JSON.stringify(value));

/** The most sends accepted within any one second (a sliding window over their times). */
function busiestSecond(times: number[]): number {
  let best = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j] - times[i] >= 1000) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

say({ url: `http://127.0.0.1:${server.addr.port}`, token: sandbox.token, bot: sandbox.bot });
let base429 = 0;
for await (const line of lines(Deno.stdin.readable)) {
  const command = JSON.parse(line) as Command;
  if (command.cmd === "users") {
    const ids = Array.from({ length: command.count }, (_, i) => sandbox.createUser(`B${i}`).id);
    say({ first: ids[0], last: ids.at(-1) });
  } else if (command.cmd === "limits") {
    sandbox.limits.globalPerSecond = command.globalPerSecond;
    sandbox.limits.paidPerSecond = command.paidPerSecond;
    say({ ok: true });
  } else if (command.cmd === "mark") {
    sandbox.accepted.length = 0;
    base429 = sandbox.stats.tooManyRequests;
    say({ ok: true });
  } else {
    const times = sandbox.accepted;
    say({
      accepted: times.length,
      seconds: times.length > 1 ? (times.at(-1)! - times[0]) / 1000 : 0,
      busiest: busiestSecond(times),
      tooManyRequests: sandbox.stats.tooManyRequests - base429,
    });
  }
}
sandbox.close();
await server.shutdown();
