// A Postgres server of a test's own, from the Debian binaries, so a test can stop and start it
// under load without disturbing the shared one. Runs as the postgres user when started by root.
const bin = (() => {
  for (const entry of [...Deno.readDirSync("/usr/lib/postgresql")].sort((a, b) => b.name.localeCompare(a.name))) {
    return `/usr/lib/postgresql/${entry.name}/bin`;
  }
  throw new Error("no Postgres binaries under /usr/lib/postgresql");
})();

const asPostgres = Deno.uid() === 0;

async function run(command: string, args: string[]): Promise<void> {
  const [cmd, argv] = asPostgres ? ["runuser", ["-u", "postgres", "--", `${bin}/${command}`, ...args]] : [
    `${bin}/${command}`,
    args,
  ];
  const { code, stderr } = await new Deno.Command(cmd, { args: argv, stdout: "null", stderr: "piped" }).output();
  if (code !== 0) throw new Error(`${command} ${args.join(" ")}: ${new TextDecoder().decode(stderr)}`);
}

export function hasPostgresBinaries(): boolean {
  try {
    return Deno.statSync(`${bin}/pg_ctl`).isFile;
  } catch {
    return false;
  }
}

export interface PgCluster {
  url: string;
  start(): Promise<void>;
  /** Stops it the hard way (no checkpoint, connections cut), as a crash would. */
  crash(): Promise<void>;
  destroy(): Promise<void>;
}

export async function createCluster(): Promise<PgCluster> {
  const dir = await Deno.makeTempDir({ prefix: "pg_cluster_" });
  if (asPostgres) await new Deno.Command("chown", { args: ["postgres", dir] }).output();
  const data = `${dir}/data`;
  await run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  // A free port: bind 0, read it, let go.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const cluster: PgCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: () => run("pg_ctl", ["-D", data, "-o", options, "-l", `${dir}/log`, "-w", "start"]),
    crash: () => run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]),
    async destroy() {
      await run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => {});
      await Deno.remove(dir, { recursive: true });
    },
  };
  await cluster.start();
  return cluster;
}
