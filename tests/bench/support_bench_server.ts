// The support benchmark's server, in a process of its own so its RSS is the server's alone:
// `baseline` is a bare Deno.serve SSE server with an in-memory fan-out; `platform <sandbox url>
// <token>` is the whole platform against a sandbox in yet another process. Driven over
// stdin/stdout, one JSON line each way.
import "../../web/telegram/quiet_deprecations.ts";
import { lines } from "../support/lines.ts";
import { startSupportPlatform } from "./support_bench_platform.ts";

type Command = { cmd: "rss" } | { cmd: "site"; origin: string } | { cmd: "stop" };

const say = (value: unknown) => console.log(JSON.stringify(value));

/** RSS after a full collection, so garbage does not count as connections. */
function rss(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) gc?.();
  return Deno.memoryUsage().rss;
}

/** The baseline: each session's streams in a map, an answer written to its streams, nothing stored. */
function bareSseServer() {
  const encoder = new TextEncoder();
  const sessions = new Map<string, Set<ReadableStreamDefaultController<Uint8Array>>>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
    const url = new URL(request.url);
    if (request.method === "GET" && url.pathname === "/events") {
      const session = url.searchParams.get("session") ?? "";
      let stream: ReadableStreamDefaultController<Uint8Array>;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          stream = controller;
          if (!sessions.has(session)) sessions.set(session, new Set());
          sessions.get(session)!.add(controller);
          controller.enqueue(encoder.encode(": open\n\n"));
        },
        cancel: () => void sessions.get(session)?.delete(stream),
      });
      return new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
    }
    if (request.method === "POST" && url.pathname === "/publish") {
      const { session, data } = await request.json() as { session: string; data: unknown };
      const frame = encoder.encode(`event: message\ndata: ${JSON.stringify(data)}\n\n`);
      for (const stream of sessions.get(session) ?? []) stream.enqueue(frame);
      return Response.json({ ok: true });
    }
    return new Response("not found", { status: 404 });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, stop: () => server.shutdown() };
}

const [mode, sandboxUrl, token] = Deno.args;
const running = mode === "baseline"
  ? { ...bareSseServer(), site: () => Promise.resolve("") }
  : await startSupportPlatform(sandboxUrl, token);
say({ url: running.url, pid: Deno.pid });
for await (const line of lines(Deno.stdin.readable)) {
  const command = JSON.parse(line) as Command;
  if (command.cmd === "rss") say({ rss: rss() });
  else if (command.cmd === "site") say({ key: await running.site(command.origin) });
  else break;
}
await running.stop();
say({ stopped: true });
