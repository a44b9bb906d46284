// One JSON log line per request, tagged with its request id (taken from X-Request-Id or made up),
// which the response echoes so a user's report can be found in the logs.
import { createMiddleware } from "hono/factory";
import { log } from "../../log.ts";

// Telegram's webhook posts and liveness probes would drown everything else at info level.
const quiet = new Set(["/telegram/webhook", "/healthz", "/metrics"]);

export function requestLog() {
  return createMiddleware<{ Variables: { requestId: string } }>(async (c, next) => {
    const began = performance.now();
    await next();
    const fields = {
      request_id: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - began) * 10) / 10,
    };
    if (c.res.status >= 500) log.error("http request failed", fields);
    else if (quiet.has(c.req.path) || c.req.path.startsWith("/static/")) log.debug("http", fields);
    else log.info("http", fields);
  });
}
