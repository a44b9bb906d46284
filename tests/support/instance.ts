// App instances as child processes: `main.ts` itself, started with an environment, its JSON log
// read for the address it listens on, and killed the way production kills things.
import { lines } from "./lines.ts";

export interface Instance {
  name: string;
  url: string;
  child: Deno.ChildProcess;
  /** Log lines the instance wrote (JSON objects), for what a test wants to look for. */
  logs: Record<string, unknown>[];
  kill(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

const main = new URL("../../main.ts", import.meta.url).pathname;

/**
 * Starts `main.ts` with this environment and resolves once it listens, or once it logs `readyOn`
 * (say "telegram gateway ready", for a test that posts updates at once).
 */
export async function startInstance(
  name: string,
  env: Record<string, string>,
  options: { readyOn?: string } = {},
): Promise<Instance> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", main],
    env: { LOG_LEVEL: "info", PORT: "0", ...env },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const logs: Record<string, unknown>[] = [];
  const listening = Promise.withResolvers<string>();
  let url: string | undefined;
  (async () => {
    for await (const line of lines(child.stderr)) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line);
      } catch {
        entry = { msg: line };
      }
      logs.push(entry);
      if (entry.msg === "listening") url = String(entry.url);
      if (url && entry.msg === (options.readyOn ?? "listening")) listening.resolve(url);
      if (entry.msg === "start-up failed") listening.reject(new Error(`${name}: ${JSON.stringify(entry)}`));
    }
    listening.reject(new Error(`${name} exited before listening`));
  })();
  await listening.promise;
  let status: Promise<Deno.CommandStatus> | undefined;
  return {
    name,
    url: url!,
    child,
    logs,
    kill(signal: Deno.Signal = "SIGKILL") {
      if (!status) {
        child.kill(signal);
        status = child.status;
      }
      return status;
    },
  };
}

/** One address in front of several instances, as a load balancer: round robin, failing over on refused connections. */
export function startBalancer(upstreams: () => string[]): { url: string; stop(): Promise<void> } {
  let next = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
    const body = await request.arrayBuffer();
    const list = upstreams();
    const url = new URL(request.url);
    for (let tried = 0; tried < list.length; tried++) {
      const upstream = list[next++ % list.length];
      try {
        const response = await fetch(`${upstream}${url.pathname}${url.search}`, {
          method: request.method,
          headers: request.headers,
          body: request.method === "GET" ? undefined : body,
        });
        return new Response(response.body, { status: response.status, headers: response.headers });
      } catch {
        // that instance is gone: the next one takes the request
      }
    }
    return new Response("no instance answers", { status: 502 });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, stop: () => server.shutdown() };
}
