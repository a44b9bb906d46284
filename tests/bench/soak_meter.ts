// What the soak benchmark reads from /proc about the app's process and its Postgres backends:
// resident memory, CPU seconds, and which backends are the app's (by the sockets it holds open).
import type { Sql } from "../../events/database.ts";

/** CPU ticks per second in /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const ticks = 100;

/** User + system CPU seconds of a process (all its threads), or undefined once it has ended. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / ticks;
  } catch {
    return undefined;
  }
}

/** VmRSS of a process in MiB (/proc/<pid>/status). */
export function rssMiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!kib) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kib[1]) / 1024;
}

/** Local TCP ports of the sockets a process holds that talk to `remotePort` (its database connections). */
function connectedPorts(pid: number, remotePort: number): number[] {
  const inodes = new Set<string>();
  for (const entry of Deno.readDirSync(`/proc/${pid}/fd`)) {
    try {
      const target = Deno.readLinkSync(`/proc/${pid}/fd/${entry.name}`);
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match) inodes.add(match[1]);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ["tcp", "tcp6"]) {
    let text = "";
    try {
      text = Deno.readTextFileSync(`/proc/${pid}/net/${table}`);
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || !inodes.has(cols[9])) continue;
      const local = parseInt(cols[1].split(":").at(-1)!, 16);
      const remote = parseInt(cols[2].split(":").at(-1)!, 16);
      if (remote === remotePort) ports.push(local);
    }
  }
  return ports;
}

/**
 * CPU of one process and of the Postgres backends serving it, sampled over time. Backends come and
 * go with the pool: each is remembered with its last reading, so one that ends keeps what it used.
 */
export class CpuMeter {
  readonly #backends = new Map<number, number>();
  #timer?: ReturnType<typeof setInterval>;

  constructor(readonly pid: number, readonly sql: Sql, readonly postgresPort: number) {}

  /** Finds the app's backends now (by its sockets' ports in pg_stat_activity) and reads them all. */
  async refresh(): Promise<void> {
    const ports = connectedPorts(this.pid, this.postgresPort);
    if (ports.length > 0) {
      const rows = await this.sql<{ pid: number }[]>`
        select pid from pg_stat_activity where client_port = any(${ports}::int[])`;
      for (const { pid } of rows) if (!this.#backends.has(pid)) this.#backends.set(pid, 0);
    }
    for (const pid of this.#backends.keys()) {
      const seconds = cpuSeconds(pid);
      if (seconds !== undefined) this.#backends.set(pid, seconds);
    }
  }

  start(everyMs = 2000): void {
    this.#timer = setInterval(() => this.refresh().catch(() => {}), everyMs);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Reads both now: the app's CPU seconds and its backends' (ended ones at their last reading). */
  async read(): Promise<{ app: number; postgres: number; backends: number }> {
    await this.refresh();
    let postgres = 0;
    for (const seconds of this.#backends.values()) postgres += seconds;
    return { app: cpuSeconds(this.pid) ?? NaN, postgres, backends: this.#backends.size };
  }
}
