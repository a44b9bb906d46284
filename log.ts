// JSON-lines logger: one object per line on stderr, so logs stay machine-readable.
export type LogLevel = "debug" | "info" | "warn" | "error";
const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const fromEnv = (() => {
  try {
    return Deno.env.get("LOG_LEVEL") as LogLevel | undefined;
  } catch {
    return undefined; // no env permission: keep the default
  }
})();
let threshold = rank[fromEnv && fromEnv in rank ? fromEnv : "info"];

export function setLogLevel(level: LogLevel): void {
  threshold = rank[level];
}

function write(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
  if (rank[level] < threshold) return;
  const line: Record<string, unknown> = { at: new Date().toISOString(), level, msg, ...fields };
  if (fields?.error instanceof Error) {
    line.error = { name: fields.error.name, message: fields.error.message, stack: fields.error.stack };
  }
  console.error(JSON.stringify(line));
}

export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => write("debug", msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => write("info", msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write("warn", msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write("error", msg, fields),
};
