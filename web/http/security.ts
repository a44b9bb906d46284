// Security headers on every response: a strict CSP (no inline scripts or styles, nothing from
// other origins), and framing allowed only for the Mini App, and only by Telegram's web clients.
import { secureHeaders } from "hono/secure-headers";
import { createMiddleware } from "hono/factory";

const policy = (frameAncestors: string[]) => ({
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "data:", "https:"],
  connectSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  objectSrc: ["'none'"],
  frameAncestors,
});

export const telegramWebClients = ["https://web.telegram.org", "https://*.telegram.org"];

const standard = secureHeaders({
  contentSecurityPolicy: policy(["'none'"]),
  xFrameOptions: "DENY",
  referrerPolicy: "no-referrer",
  crossOriginEmbedderPolicy: false,
});

// The sandbox page shows the Mini App in a panel of its own origin, hence 'self'.
const miniApp = secureHeaders({
  contentSecurityPolicy: policy(["'self'", ...telegramWebClients]),
  xFrameOptions: false,
  referrerPolicy: "no-referrer",
  crossOriginEmbedderPolicy: false,
  crossOriginResourcePolicy: "cross-origin",
});

// The support widget's script and files are loaded by other sites (script and img tags).
const embeddable = secureHeaders({
  contentSecurityPolicy: policy(["'none'"]),
  xFrameOptions: "DENY",
  referrerPolicy: "no-referrer",
  crossOriginEmbedderPolicy: false,
  crossOriginResourcePolicy: "cross-origin",
});
const isEmbeddable = (path: string) => path === "/widget.js" || path.startsWith("/api/widget/");

export const isMiniAppPage = (path: string) => path === "/app" || path.startsWith("/app/");

// Telegram's webhook posts are machine-to-machine JSON: headers for browsers would only cost time there.
const machineOnly = new Set(["/telegram/webhook"]);

export function securityHeaders() {
  return createMiddleware((c, next) => {
    if (machineOnly.has(c.req.path)) return next();
    return (isMiniAppPage(c.req.path) ? miniApp : isEmbeddable(c.req.path) ? embeddable : standard)(c, next);
  });
}
