// The webhook endpoint: Telegram's secret header checked, the body validated, then handled.
// A bad body gets 400 and writes nothing; a wrong or missing secret gets 401.
import { type Context, Hono } from "hono";
import { z } from "zod";
import type { Update } from "grammy/types";
import { DrainingError } from "./intake.ts";
import { isDatabaseUnavailable, withDeadline } from "../http/unavailable.ts";

const chat = z.looseObject({ id: z.number().int(), type: z.string() });
const user = z.looseObject({ id: z.number().int(), is_bot: z.boolean(), first_name: z.string() });
const message = z.looseObject({ message_id: z.number().int(), date: z.number().int(), chat, from: user.optional() });

/** Enough of an update's shape that handlers can rely on what they read; the rest passes through. */
export const updateSchema = z.looseObject({
  update_id: z.number().int().nonnegative(),
  message: message.optional(),
  edited_message: message.optional(),
  channel_post: message.optional(),
  callback_query: z.looseObject({ id: z.string(), from: user, data: z.string().optional() }).optional(),
  my_chat_member: z.looseObject({
    chat,
    from: user,
    date: z.number().int(),
    new_chat_member: z.looseObject({ status: z.string() }),
  }).optional(),
  pre_checkout_query: z.looseObject({
    id: z.string(),
    from: user,
    currency: z.string(),
    total_amount: z.number().int(),
  }).optional(),
});

export interface UpdateIntake {
  /** Stores the update and handles it in the background; resolves once it is stored. */
  receive(update: Update): Promise<void>;
  /** True while shutting down: updates get 503, so Telegram delivers them again (here or elsewhere). */
  readonly draining?: boolean;
}

const unavailable = (c: Context) =>
  c.json({ ok: false, error: "the database is unavailable; deliver again later" }, 503, { "retry-after": "5" });

/** After the database failed a request, the next ones for this long are refused without trying it. */
const unavailableForMs = 1_000;

export function webhookRoutes(intake: UpdateIntake, secretToken: string): Hono {
  const app = new Hono();
  // While the database is down, every update would wait out the deadline on a pool that cannot connect.
  let downUntil = 0;
  app.post("/telegram/webhook", async (c) => {
    if (c.req.header("x-telegram-bot-api-secret-token") !== secretToken) {
      return c.json({ ok: false, error: "wrong or missing secret token" }, 401);
    }
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json({ ok: false, error: "body is not JSON" }, 400);
    }
    const parsed = updateSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return c.json({ ok: false, error: `${issue.path.join(".") || "body"}: ${issue.message}` }, 400);
    }
    const update = parsed.data as unknown as Update;
    const draining = () => c.json({ ok: false, error: "shutting down; deliver again later" }, 503);
    if (intake.draining) return draining();
    if (performance.now() < downUntil) return unavailable(c);
    // Stored before Telegram hears 200: from here on the inbox, not Telegram, owns the retry.
    try {
      // A database that cannot store it in time: Telegram delivers it again (here or to another instance).
      await withDeadline(intake.receive(update), 2_000, "update inbox");
    } catch (error) {
      if (error instanceof DrainingError) return draining();
      if (isDatabaseUnavailable(error)) {
        downUntil = performance.now() + unavailableForMs;
        return unavailable(c);
      }
      throw error;
    }
    return c.json({ ok: true });
  });
  return app;
}
