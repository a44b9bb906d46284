// The webhook endpoint: Telegram's secret header checked, the body validated, then handled.
// A bad body gets 400 and writes nothing; a wrong or missing secret gets 401.
import { Hono } from "hono";
import { z } from "zod";
import type { Update } from "grammy/types";

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
  /** Stores the update; true if it is new and should be handled. */
  accept(update: Update): Promise<boolean>;
  /** Handles a stored update in the background. */
  dispatch(update: Update): void;
}

export function webhookRoutes(intake: UpdateIntake, secretToken: string): Hono {
  const app = new Hono();
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
    // Stored before Telegram hears 200: from here on the inbox, not Telegram, owns the retry.
    if (await intake.accept(update)) intake.dispatch(update);
    return c.json({ ok: true });
  });
  return app;
}
