// /api/widget: the support widget's endpoints, called from other sites. CORS lets in only the
// origins some site allows (Hono's cors with an origin function), and every call checks its own
// site's list again (403 otherwise); credentials are never used — a signed session token is.
// The contract the widget is built against: /work/notes/support_contract.md.
import { Hono } from "hono";
import type { Context, MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { bodyLimit } from "hono/body-limit";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import { validate } from "../http/validation.ts";
import type { SupportSiteState } from "../../actors/support_site.ts";
import { type Attachment, sessionIdOf, siteKey, visitorId as visitorIdSchema } from "../../events/support.ts";
import { type SupportRefusal, SupportService } from "../support/service.ts";
import { newVisitorId, type WidgetIdentity, type WidgetTokens } from "../support/tokens.ts";
import type { SupportHub } from "../support/hub.ts";
import { maxUploadBytes, newUploadId, type SupportUploads, uploadTypes } from "../support/uploads.ts";
import { changesAfter, type Conversation } from "../support/view.ts";
import { maxTextLength } from "../../actors/chat.ts";
import { SlidingWindow } from "../sliding_window.ts";

/** Files one visitor may upload per minute (each up to 10 MB). */
export const uploadsPerMinute = 10;

export interface WidgetDeps {
  support: SupportService;
  tokens: WidgetTokens;
  hub: SupportHub;
  uploads: SupportUploads;
  now(): Date;
  /** How long one SSE response stays open before the client reconnects (ms). */
  streamMs?: number;
  /** How often an idle SSE stream gets a comment (ms). */
  pingMs?: number;
}

type WidgetEnv = { Variables: { identity: WidgetIdentity; site: SupportSiteState; sessionId: string } };

const clientId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "1-64 of A-Z a-z 0-9 _ -");
const cursor = z.coerce.number({ error: "not a number" }).int("not a whole number").min(0, "must be at least 0");

const sessionBody = z.object({
  site: siteKey,
  visitorId: visitorIdSchema.optional(),
  token: z.string().max(200).optional(),
});
const messageBody = z.object({
  clientMessageId: clientId,
  text: z.string().max(maxTextLength, `at most ${maxTextLength} characters`).optional(),
  attachmentId: z.string().regex(/^[a-z0-9]{8,40}$/, "not an attachment id").optional(),
  name: z.string().trim().max(100).optional(),
  email: z.email("not an e-mail address").max(254).optional().or(z.literal("")),
  page: z.string().max(2000).optional(),
  language: z.enum(["ru", "en"]).optional(),
  browser: z.string().max(300).optional(),
  timeZone: z.string().max(64).optional(),
}).refine((b) => (b.text !== undefined && b.text.trim() !== "") || b.attachmentId !== undefined, {
  message: "a message needs text or an attachmentId",
  path: ["text"],
});
const historyQuery = z.object({
  after: cursor.default(0),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});
const readBody = z.object({ upTo: z.number().int().min(0) });

const json = (c: Context, refusal: SupportRefusal) => {
  if (refusal.retryAfterMs) c.header("retry-after", String(Math.ceil(refusal.retryAfterMs / 1000)));
  const { ok: _, status, ...body } = refusal;
  return c.json({ ok: false, ...body }, status);
};

export function widgetRoutes(deps?: WidgetDeps): Hono {
  const app = new Hono<WidgetEnv>();
  if (!deps) {
    app.use("*", cors({ origin: "*", allowMethods: ["GET", "POST"], allowHeaders: ["content-type"], maxAge: 600 }));
    app.get("/status", (c) => c.json({ ok: true }));
    return app as unknown as Hono;
  }
  const { support, tokens } = deps;
  const uploads = new SlidingWindow(60_000);
  app.use(
    "*",
    cors({
      origin: async (origin) => origin && await support.allowsOrigin(origin) ? origin : null,
      allowMethods: ["GET", "POST"],
      allowHeaders: ["content-type", "authorization", "last-event-id"],
      maxAge: 600,
    }),
  );
  app.get("/status", (c) => c.json({ ok: true }));

  const originOf = (c: Context) => c.req.header("origin") || undefined;

  /** The token (header, or ?token= for EventSource and <img>), its site and the origin, checked. */
  const authed: MiddlewareHandler<WidgetEnv> = async (c, next) => {
    const header = c.req.header("authorization");
    const token = header?.startsWith("Bearer ") ? header.slice(7).trim() : c.req.query("token");
    if (!token) return c.json({ ok: false, code: "unauthorized", error: "a session token is required" }, 401);
    const identity = await tokens.verify(token, deps.now());
    if (!identity) {
      return c.json({ ok: false, code: "unauthorized", error: "the session token is invalid or expired" }, 401);
    }
    const site = await support.checkSite(identity.site, originOf(c));
    if ("ok" in site) return json(c, site);
    c.set("identity", identity);
    c.set("site", site);
    c.set("sessionId", sessionIdOf(identity.site, identity.visitorId));
    await next();
  };

  app.get("/config", validate("query", z.object({ site: siteKey })), async (c) => {
    const site = await support.checkSite(c.req.valid("query").site, originOf(c));
    if ("ok" in site) return json(c, site);
    return c.json({
      ok: true,
      site: { key: site.site, name: site.name },
      limits: { maxTextLength, maxFileBytes: maxUploadBytes, fileTypes: Object.keys(uploadTypes) },
      pollIntervalMs: 2500,
    });
  });

  app.post("/session", validate("json", sessionBody), async (c) => {
    const body = c.req.valid("json");
    const site = await support.checkSite(body.site, originOf(c));
    if ("ok" in site) return json(c, site);
    let visitorId = newVisitorId();
    if (body.token !== undefined) {
      const identity = await tokens.verify(body.token, deps.now());
      if (!identity || identity.site !== body.site) {
        return c.json({ ok: false, code: "unauthorized", error: "the session token is invalid or expired" }, 401);
      }
      visitorId = identity.visitorId;
    }
    const sessionId = sessionIdOf(site.site, visitorId);
    const [state, conversation] = await Promise.all([support.session(sessionId), support.conversation(sessionId)]);
    return c.json({
      ok: true,
      token: await tokens.issue(site.site, visitorId, deps.now()),
      visitorId,
      sessionId,
      status: conversation.status,
      cursor: conversation.messages.at(-1)?.cursor ?? 0,
      readUpTo: conversation.readUpTo,
      visitor: { name: state.profile.name, email: state.profile.email, number: state.exists ? state.number : null },
    });
  });

  app.post("/messages", authed, validate("json", messageBody), async (c) => {
    const body = c.req.valid("json");
    const sessionId = c.get("sessionId");
    let attachment: Attachment | null = null;
    if (body.attachmentId) {
      const upload = await deps.uploads.get(body.attachmentId);
      if (!upload || upload.sessionId !== sessionId) {
        return c.json({ ok: false, code: "not_found", error: "no such attachment", field: "body.attachmentId" }, 404);
      }
      attachment = { id: upload.id, name: upload.name, type: upload.type, size: upload.size, telegramFileId: null };
    }
    const text = body.text?.trim() ? body.text.trim() : null;
    const result = await support.postFromVisitor(c.get("site"), c.get("identity").visitorId, {
      clientMessageId: body.clientMessageId,
      text,
      attachment,
      profile: {
        name: body.name || undefined,
        email: body.email || undefined,
        page: body.page,
        language: body.language,
        browser: body.browser,
        timeZone: body.timeZone,
      },
    }, deps.now());
    if (!result.ok) return json(c, result);
    const message = result.conversation.messages.find((m) => m.id === result.seq);
    return c.json({ ok: true, message, duplicate: result.duplicate }, result.duplicate ? 200 : 201);
  });

  app.post(
    "/attachments",
    bodyLimit({
      maxSize: maxUploadBytes + 64 * 1024,
      onError: (c) =>
        c.json({ ok: false, code: "too_large", error: `a file may be at most ${maxUploadBytes} bytes` }, 413),
    }),
    authed,
    async (c) => {
      const form = await c.req.formData().catch(() => undefined);
      const file = form?.get("file");
      if (!(file instanceof File)) {
        return c.json(
          { ok: false, code: "bad_request", error: "send one multipart field named file", field: "file" },
          400,
        );
      }
      if (file.size > maxUploadBytes) {
        return c.json({ ok: false, code: "too_large", error: `a file may be at most ${maxUploadBytes} bytes` }, 413);
      }
      const verdict = uploads.take(c.get("sessionId"), uploadsPerMinute);
      if (!verdict.ok) {
        c.header("retry-after", String(Math.ceil(verdict.retryAfterMs / 1000)));
        return c.json({
          ok: false,
          code: "rate_limited",
          error: `at most ${uploadsPerMinute} files a minute`,
          retryAfterMs: Math.ceil(verdict.retryAfterMs),
        }, 429);
      }
      const type = file.type.split(";")[0].trim().toLowerCase();
      if (!uploadTypes[type]) {
        return c.json({
          ok: false,
          code: "unsupported_type",
          error: `only images (JPEG, PNG, GIF, WebP) and PDF are accepted, not "${type || "unknown"}"`,
        }, 415);
      }
      const upload = {
        id: newUploadId(),
        sessionId: c.get("sessionId"),
        name: (file.name || "file").slice(0, 255),
        type,
        size: file.size,
      };
      await deps.uploads.save(upload, new Uint8Array(await file.arrayBuffer()));
      const { sessionId: _, ...attachment } = upload;
      return c.json({ ok: true, attachment }, 201);
    },
  );

  app.get("/attachments/:id", authed, async (c) => {
    const id = c.req.param("id");
    if (!/^[a-z0-9]{8,40}$/.test(id)) return c.json({ ok: false, code: "not_found", error: "no such attachment" }, 404);
    const sessionId = c.get("sessionId");
    const disposition = (a: { name: string; type: string }) =>
      `${a.type.startsWith("image/") ? "inline" : "attachment"}; filename*=UTF-8''${encodeURIComponent(a.name)}`;
    const upload = await deps.uploads.get(id);
    if (upload) {
      if (upload.sessionId !== sessionId) {
        return c.json({ ok: false, code: "not_found", error: "no such attachment" }, 404);
      }
      return c.body(upload.bytes as Uint8Array<ArrayBuffer>, 200, {
        "content-type": upload.type,
        "content-disposition": disposition(upload),
        "cache-control": "private, max-age=86400",
      });
    }
    const attachment = (await support.conversation(sessionId)).attachments.get(id);
    const telegram = support.deps.telegram();
    if (!attachment?.telegramFileId) return c.json({ ok: false, code: "not_found", error: "no such attachment" }, 404);
    if (!telegram) return c.json({ ok: false, code: "unavailable", error: "Telegram is not connected yet" }, 503);
    try {
      const file = await telegram.api.getFile(attachment.telegramFileId);
      if (!file.file_path) throw new Error("no file path");
      const response = await fetch(telegram.fileUrl(file.file_path));
      if (!response.ok || !response.body) throw new Error(`file download answered ${response.status}`);
      return c.body(response.body, 200, {
        "content-type": attachment.type,
        "content-disposition": disposition(attachment),
        "cache-control": "private, max-age=3600",
      });
    } catch (error) {
      return c.json({
        ok: false,
        code: "unavailable",
        error: `the file could not be fetched from Telegram: ${error instanceof Error ? error.message : error}`,
      }, 502);
    }
  });

  const history = async (c: Context<WidgetEnv>, query: { after: number; limit: number }) => {
    const conversation = await support.conversation(c.get("sessionId"));
    const page = changesAfter(conversation, query.after, query.limit);
    return c.json({
      ok: true,
      ...page,
      status: conversation.status,
      readUpTo: conversation.readUpTo,
      typing: false,
    });
  };
  app.get("/messages", authed, validate("query", historyQuery), (c) => history(c, c.req.valid("query")));
  app.get("/poll", authed, validate("query", historyQuery), (c) => history(c, c.req.valid("query")));

  app.post("/read", authed, validate("json", readBody), async (c) => {
    const readUpTo = await support.markRead(c.get("sessionId"), c.req.valid("json").upTo);
    return c.json({ ok: true, readUpTo });
  });

  app.post("/typing", authed, async (c) => {
    await support.visitorTyping(c.get("sessionId"));
    return c.json({ ok: true });
  });

  app.get("/events", authed, validate("query", z.object({ after: cursor.optional() })), (c) => {
    const lastEventId = c.req.header("last-event-id");
    const resumed = lastEventId !== undefined && /^\d{1,12}$/.test(lastEventId) ? Number(lastEventId) : undefined;
    let after = resumed ?? c.req.valid("query").after ?? 0;
    const sessionId = c.get("sessionId");
    return streamSSE(c, async (stream) => {
      let changed = true;
      let wake: (() => void) | undefined;
      const unsubscribe = deps.hub.subscribe(sessionId, () => {
        changed = true;
        wake?.();
      });
      let closed = false;
      stream.onAbort(() => {
        closed = true;
        wake?.();
      });
      const deadline = Date.now() + (deps.streamMs ?? 10 * 60_000);
      let statusSent = -1;
      let readSent = -1;
      try {
        while (!closed && !deps.hub.closing && Date.now() < deadline) {
          if (changed) {
            changed = false;
            const conversation: Conversation = await support.conversation(sessionId);
            for (let more = true; more;) {
              const page = changesAfter(conversation, after, 200);
              for (const message of page.messages) {
                await stream.writeSSE({ event: "message", id: String(message.cursor), data: JSON.stringify(message) });
              }
              after = page.cursor;
              more = page.more;
            }
            if (conversation.statusCursor !== statusSent) {
              statusSent = conversation.statusCursor;
              await stream.writeSSE({
                event: "status",
                data: JSON.stringify({ status: conversation.status, cursor: conversation.statusCursor }),
              });
            }
            if (conversation.readUpTo !== readSent) {
              if (readSent !== -1) {
                await stream.writeSSE({ event: "read", data: JSON.stringify({ readUpTo: conversation.readUpTo }) });
              }
              readSent = conversation.readUpTo;
            }
            continue;
          }
          const woke = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), deps.pingMs ?? 20_000);
            wake = () => {
              clearTimeout(timer);
              resolve(true);
            };
          });
          wake = undefined;
          // A named ping: EventSource hides comments, and the widget watches for silence.
          if (!woke && !closed) await stream.writeSSE({ event: "ping", data: "{}" });
        }
      } finally {
        unsubscribe();
      }
    }, async (error, stream) => {
      // A failed read ends this response; the browser reconnects with Last-Event-ID.
      await stream.writeSSE({ event: "error", data: JSON.stringify({ error: String(error) }) }).catch(() => {});
    });
  });

  return app as unknown as Hono;
}

/** GET /widget.js: the widget bundle (built unhashed by web/build.ts) at a URL sites can embed. */
export function widgetScriptRoutes(path: string): Hono {
  const app = new Hono();
  app.get("/widget.js", async (c) => {
    let script: Uint8Array;
    try {
      script = await Deno.readFile(path);
    } catch {
      return c.json({ ok: false, error: "the widget is not built: run `deno task build`" }, 503);
    }
    return c.body(script as Uint8Array<ArrayBuffer>, 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "public, max-age=300",
      "access-control-allow-origin": "*",
    });
  });
  return app;
}
