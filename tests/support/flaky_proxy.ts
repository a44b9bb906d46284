// A TCP proxy between the bot and its Bot API server that can cut connections on demand, as a
// flaky network does: while cutting, open connections are dropped and new ones closed at once.
export interface FlakyProxy {
  url: string;
  readonly resetting: boolean;
  /** Starts or stops cutting connections. */
  cut(on: boolean): void;
  /** Connections cut so far. */
  resets: number;
  stop(): void;
}

export function startFlakyProxy(target: string): FlakyProxy {
  const to = new URL(target);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  const proxy: FlakyProxy = {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    resetting: false,
    resets: 0,
    cut(on) {
      (proxy as { resetting: boolean }).resetting = on;
      if (!on) return;
      for (const conn of open) conn.close();
      proxy.resets += open.size;
      open.clear();
    },
    stop() {
      listener.close();
      for (const conn of open) conn.close();
    },
  };
  const pipe = (from: Deno.Conn, into: Deno.Conn) =>
    from.readable.pipeTo(into.writable).catch(() => {}).finally(() => {
      for (const conn of [from, into]) {
        try {
          conn.close();
        } catch { /* closed already */ }
        open.delete(conn);
      }
    });
  (async () => {
    for await (const client of listener) {
      if (proxy.resetting) {
        proxy.resets++;
        client.close();
        continue;
      }
      try {
        const upstream = await Deno.connect({ hostname: to.hostname, port: Number(to.port) });
        open.add(client).add(upstream);
        pipe(client, upstream);
        pipe(upstream, client);
      } catch {
        client.close();
      }
    }
  })().catch(() => {});
  return proxy;
}
