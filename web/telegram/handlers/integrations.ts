// Integration mode in the bot: a private message no other flow took (text, or a caption) joins the
// user's current batch; the batch actor closes it by its timers and the integrations deliver it.
// Commands and messages without text go on to the fallbacks.
import { Composer } from "grammy";
import type { BotContext } from "../bot.ts";
import type { ActorRuntime } from "../../../actors/runtime.ts";
import { type BatchSettings, integrationBatchActor } from "../../../actors/integration_batch.ts";

export interface IntegrationBotDeps {
  runtime: ActorRuntime;
  batch: BatchSettings;
}

export function integrationHandlers(deps: IntegrationBotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const batches = deps.runtime.actor(integrationBatchActor);
  composer.on("message", async (ctx, next) => {
    const text = ctx.msg.text ?? ctx.msg.caption;
    if (!text || (ctx.msg.text !== undefined && text.startsWith("/"))) return await next();
    await batches.send(String(ctx.from.id), {
      type: "add",
      userId: ctx.from.id,
      chatId: ctx.chat.id,
      messageId: ctx.msg.message_id,
      text,
      settings: deps.batch,
    }, { commandId: `update:${ctx.update.update_id}`, actor: `user:${ctx.from.id}` });
  });
  return composer;
}
