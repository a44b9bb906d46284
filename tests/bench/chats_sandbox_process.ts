// The chats benchmark's Telegram: a sandbox in a process of its own, driven over stdin with one
// JSON command per line. It makes buyer/seller pairs, sends their messages (each carrying a
// token) to the bot's webhook, and times each message from its update to its copy in the other
// side's chat.
import { Hono } from "hono";
import { Sandbox, type UserInfo } from "../../web/sandbox/sandbox.ts";
import { sandboxRoutes } from "../../web/sandbox/routes.ts";
import { lines } from "../support/lines.ts";
import { paced, percentile } from "./support.ts";

type Command =
  | { cmd: "pairs"; count: number }
  | { cmd: "burst"; webhook: string; secret?: string; perUser: number }
  | { cmd: "rate"; webhook: string; secret?: string; rate: number; seconds: number };

const sandbox = new Sandbox();
const app = new Hono().route("/", sandboxRoutes(sandbox, { miniAppUrl: () => "http://127.0.0.1/app" }));
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
const say = (value: unknown) => console.log(JSON.stringify(value));

let pairs: { buyer: UserInfo; seller: UserInfo }[] = [];
let next = 0;

/** Times messages by their token, from the update the user sent to the copy the other side got. */
function stopwatch() {
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  let wake: (() => void) | undefined;
  const stop = sandbox.on((event) => {
    if (event.kind !== "message" || !event.message.from?.is_bot || event.edited) return;
    const token = /\bx(\d+)x\b/.exec(event.message.text ?? "");
    const at = token ? sentAt.get(Number(token[1])) : undefined;
    if (at === undefined) return;
    latencies.push(performance.now() - at);
    sentAt.delete(Number(token![1]));
    wake?.();
  });
  return {
    latencies,
    send(userId: number) {
      const n = next++;
      sentAt.set(n, performance.now());
      sandbox.userSends(userId, { text: `Is it still for sale? x${n}x` });
    },
    async until(count: number) {
      while (latencies.length < count) await new Promise<void>((r) => (wake = r));
      stop();
    },
  };
}

say({ url: `http://127.0.0.1:${server.addr.port}`, token: sandbox.token, bot: sandbox.bot });
for await (const line of lines(Deno.stdin.readable)) {
  const command = JSON.parse(line) as Command;
  if (command.cmd === "pairs") {
    pairs = Array.from({ length: command.count }, (_, i) => ({
      buyer: sandbox.createUser(`B${i}`, { language: "en" }),
      seller: sandbox.createUser(`S${i}`, { language: "ru" }),
    }));
    say({ pairs });
    continue;
  }
  sandbox.setWebhook(command.webhook, command.secret, 100);
  const people = pairs.flatMap((p) => [p.buyer.id, p.seller.id]);
  const clock = stopwatch();
  if (command.cmd === "burst") {
    const total = people.length * command.perUser;
    const began = performance.now();
    for (let round = 0; round < command.perUser; round++) for (const id of people) clock.send(id);
    await clock.until(total);
    const sorted = clock.latencies.sort((a, b) => a - b);
    say({ rate: total / ((performance.now() - began) / 1000), p99: percentile(sorted, 99) });
  } else {
    const total = Math.floor(command.rate * command.seconds);
    await paced(command.rate, total, (i) => clock.send(people[i % people.length]));
    await clock.until(total);
    const sorted = clock.latencies.sort((a, b) => a - b);
    say({ p50: percentile(sorted, 50), p99: percentile(sorted, 99) });
  }
  sandbox.deleteWebhook();
}
sandbox.close();
await server.shutdown();
