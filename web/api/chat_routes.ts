// The Mini App's chat routes: "Write" on an ad opens the chat (the bot tells both sides), and an
// ad's author sees how the chats about it go. Nobody's Telegram id, name or username is answered.
import { Hono } from "hono";
import { z } from "zod";
import type { MiniAppEnv } from "./mini_app_auth.ts";
import { validate } from "../http/validation.ts";
import type { ActorRuntime } from "../../actors/runtime.ts";
import { adActor } from "../../actors/ad.ts";
import { adId } from "../../events/ads.ts";
import type { ChatService } from "../chats/service.ts";
import { aliasOf } from "../chats/present.ts";
import { languageFromCode, t } from "../telegram/i18n.ts";
import type { ThreadRow } from "../chats/read_models.ts";

const adParam = z.object({ adId });

const openRefusal = {
  ad_not_found: { status: 404, error: "no such ad" },
  own_ad: { status: 409, error: "this is your own ad" },
  ad_closed: { status: 409, error: "the ad is closed" },
  banned: { status: 403, error: "you are banned from the marketplace chats" },
  blocked: { status: 403, error: "the author does not accept your messages" },
} as const;

export interface ChatStats {
  chatId: string;
  buyerNumber: number;
  status: "active" | "ended";
  openedAt: string;
  messages: { buyer: number; seller: number };
  lastActivity: string | null;
  /** The author's mean time to answer a buyer, over the answers given; null before the first. */
  avgResponseSeconds: number | null;
  unanswered: number;
}

/** What an ad's author is answered about the chats on it. */
export interface AdStats {
  adId: string;
  totals: {
    chats: number;
    active: number;
    messages: number;
    lastActivity: string | null;
    avgResponseSeconds: number | null;
    unanswered: number;
  };
  chats: ChatStats[];
}

const seconds = (ms: number, count: number) => count === 0 ? null : Math.round(ms / count / 1000);

function chatStats(row: ThreadRow): ChatStats {
  return {
    chatId: row.chatId,
    buyerNumber: row.buyerNumber,
    status: row.status,
    openedAt: row.openedAt.toISOString(),
    messages: { buyer: row.messagesBuyer, seller: row.messagesSeller },
    lastActivity: row.lastMessageAt?.toISOString() ?? null,
    avgResponseSeconds: seconds(row.responseMs, row.responses),
    unanswered: row.unreadSeller,
  };
}

export function chatRoutes(deps: { runtime: ActorRuntime; chats?: ChatService }): Hono<MiniAppEnv> {
  const app = new Hono<MiniAppEnv>();
  const ads = deps.runtime.actor(adActor);

  app.post("/ads/:adId/chat", validate("param", adParam), async (c) => {
    const chats = deps.chats;
    if (!chats) return c.json({ ok: false, error: "chats are not running" }, 503);
    const user = c.get("tgUser");
    const lang = languageFromCode(user.language_code);
    const key = `api:${c.get("requestId") ?? crypto.randomUUID()}`;
    const outcome = await chats.open(user.id, c.req.valid("param").adId, { key, actor: `user:${user.id}` }, lang);
    if (!outcome.ok) {
      const refusal = openRefusal[outcome.code];
      return c.json({ ok: false, error: refusal.error }, refusal.status);
    }
    const { chat } = outcome;
    return c.json({
      ok: true,
      chatId: outcome.chatId,
      /** How the author sees this user in the chat. */
      alias: t(lang, "chat.self.buyer", { number: chat.buyerNumber }),
      /** How this user sees the author. */
      partner: aliasOf(lang, chat, "seller"),
      fresh: outcome.fresh,
    });
  });

  app.get("/my/ads/:adId/stats", validate("param", adParam), async (c) => {
    const chats = deps.chats;
    if (!chats) return c.json({ ok: false, error: "chats are not running" }, 503);
    const { adId } = c.req.valid("param");
    const { state: ad } = await ads.state(adId);
    if (!ad.exists) return c.json({ ok: false, error: "no such ad" }, 404);
    if (ad.authorId !== c.get("tgUser").id) {
      return c.json({ ok: false, error: "only the ad's author sees its chat statistics" }, 403);
    }
    const rows = await chats.readModels.threadsOfAd(adId);
    const list = rows.map(chatStats);
    const responses = rows.reduce((n, r) => n + r.responses, 0);
    const responseMs = rows.reduce((n, r) => n + r.responseMs, 0);
    const last = rows.map((r) => r.lastMessageAt?.getTime() ?? 0).reduce((a, b) => Math.max(a, b), 0);
    const stats: AdStats = {
      adId,
      totals: {
        chats: rows.length,
        active: rows.filter((r) => r.status === "active").length,
        messages: rows.reduce((n, r) => n + r.messagesBuyer + r.messagesSeller, 0),
        lastActivity: last === 0 ? null : new Date(last).toISOString(),
        avgResponseSeconds: seconds(responseMs, responses),
        unanswered: rows.reduce((n, r) => n + r.unreadSeller, 0),
      },
      chats: list,
    };
    return c.json({ ok: true, ...stats });
  });

  return app;
}
