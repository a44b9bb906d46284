// The Mini App's ads: the list with search and filters in keyset pages, an ad's page, "My ads",
// and creating, editing, closing and reopening one's own. Reads come from the ads read model;
// writes are commands to the ad actor, whose rejections become 400 (naming the field), 403, 404, 409.
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import type { MiniAppEnv } from "./mini_app_auth.ts";
import type { AppDeps } from "./app_routes.ts";
import { validate } from "../http/validation.ts";
import { adActor, type AdRejection, type AdState } from "../../actors/ad.ts";
import { participantActor } from "../../actors/participant.ts";
import { adCategories, adFields, adId, newAdId } from "../../events/ads.ts";
import { deterministicId } from "../../events/ids.ts";
import { activeCities, adById, adsOfAuthor, type AdView, cursorPattern, searchAds } from "../../projections/ads.ts";

/** An empty query parameter (`?category=`) means "not given", as forms send it. */
const optional = <S extends z.ZodType>(schema: S) =>
  z.preprocess((value) => value === "" ? undefined : value, schema.optional());

const cursor = optional(z.string().regex(cursorPattern, "is not a cursor from this API"));
const limit = optional(
  z.coerce.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be 1–50").max(
    50,
    "must be 1–50",
  ),
).transform((value) => value ?? 20);

const listQuery = z.object({
  q: optional(z.string().trim().max(200, "must be at most 200 characters")),
  category: optional(z.enum(adCategories, { error: `must be one of ${adCategories.join(", ")}` })),
  city: optional(z.string().trim().max(60, "must be at most 60 characters")),
  cursor,
  limit,
});
const pageQuery = z.object({ cursor, limit });
const adParams = z.object({ adId });
/** What the form sends: every field but the photos, which only the bot can attach. */
const adBody = adFields.omit({ photos: true }).strict();
/** A retried create (a double tap, a lost answer) makes the same ad once. */
const createHeaders = z.object({
  "idempotency-key": optional(z.string().regex(/^[\w-]{8,64}$/, "must be 8–64 letters, digits, _ or -")),
});

const statusOf: Record<AdRejection, ContentfulStatusCode> = {
  invalid: 400,
  not_found: 404,
  not_author: 403,
  exists: 409,
  already_closed: 409,
  already_active: 409,
  banned: 403,
};

/** What a write answers: the ad as its author just left it (no dates: those come from the read model). */
export type AdContent = Omit<AdView, "createdAt" | "updatedAt">;

/** The ad as its author sees it right after a change (the read model may be a moment behind). */
function authorView(state: AdState): AdContent {
  const { photos, ...fields } = state.fields!;
  const featured = state.featuredUntil ? Date.parse(state.featuredUntil) > Date.now() : false;
  return { adId: state.adId, ...fields, photoCount: photos.length, status: state.status, mine: true, featured };
}

/** A 10-character ad id from the author and their idempotency key. */
function adIdFor(userId: number, key: string): string {
  const hex = deterministicId("ad", userId, key).replaceAll("-", "").slice(0, 16);
  return (BigInt(`0x${hex}`) % 36n ** 10n).toString(36).padStart(10, "0");
}

export function adsRoutes(deps: AppDeps): Hono<MiniAppEnv> {
  const app = new Hono<MiniAppEnv>();
  const ads = deps.runtime.actor(adActor);
  const participants = deps.runtime.actor(participantActor);
  const sql = deps.db.sql;
  const options = (c: Context<MiniAppEnv>) => ({
    actor: `user:${c.get("tgUser").id}`,
    correlationId: c.get("requestId"),
  });

  app.get("/ads", validate("query", listQuery), async (c) => {
    const page = await searchAds(sql, c.get("tgUser").id, c.req.valid("query"));
    return c.json({ ok: true, ...page });
  });

  // Not /ads/cities: a static segment beside /ads/:adId switches Hono to the TrieRouter, which
  // cannot route the sandbox's /bot<token>/ paths.
  app.get("/cities", async (c) => c.json({ ok: true, cities: await activeCities(sql) }));

  app.get("/ads/:adId", validate("param", adParams), async (c) => {
    const ad = await adById(sql, c.get("tgUser").id, c.req.valid("param").adId);
    if (!ad) return c.json({ ok: false, error: "no such ad" }, 404);
    const bot = deps.botUsername();
    return c.json({ ok: true, ad, shareUrl: bot ? `https://t.me/${bot}?start=ad_${ad.adId}` : null });
  });

  app.get("/my/ads", validate("query", pageQuery), async (c) => {
    const page = await adsOfAuthor(sql, c.get("tgUser").id, c.req.valid("query"));
    return c.json({ ok: true, ...page });
  });

  app.post("/ads", validate("header", createHeaders), validate("json", adBody), async (c) => {
    const userId = c.get("tgUser").id;
    const key = c.req.valid("header")["idempotency-key"];
    const id = key ? adIdFor(userId, key) : newAdId();
    const fields = { ...c.req.valid("json"), photos: [] };
    const { banned } = await participants.peek(String(userId));
    const result = await ads.send(
      id,
      { type: "create", adId: id, authorId: userId, fields, authorBanned: banned },
      options(c),
    );
    if (result.ok) return c.json({ ok: true, ad: authorView(result.state) }, 201);
    if (result.error.code === "exists" && key) {
      const { state } = await ads.state(id);
      if (state.authorId === userId) return c.json({ ok: true, ad: authorView(state) }, 200);
    }
    return rejection(c, result.error);
  });

  app.put("/ads/:adId", validate("param", adParams), validate("json", adBody), async (c) => {
    const by = c.get("tgUser").id;
    const result = await ads.send(
      c.req.valid("param").adId,
      { type: "edit", by, fields: c.req.valid("json") },
      options(c),
    );
    return result.ok ? c.json({ ok: true, ad: authorView(result.state) }) : rejection(c, result.error);
  });

  for (const type of ["close", "reopen"] as const) {
    app.post(`/ads/:adId/${type}`, validate("param", adParams), async (c) => {
      const by = c.get("tgUser").id;
      const result = await ads.send(c.req.valid("param").adId, { type, by }, options(c));
      return result.ok ? c.json({ ok: true, ad: authorView(result.state) }) : rejection(c, result.error);
    });
  }

  return app;
}

function rejection(
  c: Context<MiniAppEnv>,
  error: { code: AdRejection; message: string; details?: Record<string, unknown> },
): Response {
  const field = typeof error.details?.field === "string" ? `body.${error.details.field}` : undefined;
  const message = field ? `body.${error.message}` : error.message;
  return c.json({ ok: false, error: message, ...(field ? { field } : {}) }, statusOf[error.code]);
}
