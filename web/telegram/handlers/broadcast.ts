// Broadcasts in the bot: /stop (no more mailings until /start), the answers behind a mailing's
// callback buttons, and auto-replies to subscribers' messages that no other flow took (no rule
// matching: on to the next handler).
import { Composer } from "grammy";
import type { BotContext } from "../bot.ts";
import type { ActorRuntime } from "../../../actors/runtime.ts";
import { userActor } from "../../../actors/user.ts";
import { mailingActor } from "../../../actors/broadcast.ts";
import type { Outbox } from "../outbox.ts";
import type { AutoReplies } from "../../broadcast/auto_replies.ts";
import { buttonDataPattern } from "../../broadcast/message.ts";

export interface BroadcastBotDeps {
  runtime: ActorRuntime;
  outbox: Outbox;
  autoReplies: AutoReplies;
}

export function broadcastHandlers(deps: BroadcastBotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const users = deps.runtime.actor(userActor);

  composer.command("stop", async (ctx) => {
    const result = await users.send(String(ctx.from!.id), { type: "optOut", userId: ctx.from!.id }, {
      commandId: `update:${ctx.update.update_id}`,
      actor: `user:${ctx.from!.id}`,
    });
    await ctx.say(
      result.ok && result.events.length === 0 && !result.duplicate ? "broadcast.already_stopped" : "broadcast.stopped",
    );
  });

  composer.callbackQuery(buttonDataPattern, async (ctx) => {
    const [, mailingId, index] = ctx.match as RegExpMatchArray;
    const mailing = await deps.runtime.actor(mailingActor).peek(mailingId);
    const variant = mailing.content?.variants[ctx.lang] ?? mailing.content?.variants.ru;
    const button = variant?.buttons[Number(index)];
    const answer = button && "answer" in button ? button.answer : undefined;
    await ctx.answerCallbackQuery({ text: answer ?? undefined, show_alert: answer !== undefined }).catch(() => {});
    if (!answer) await ctx.say("broadcast.button_gone");
  });

  composer.on("message:text", async (ctx, next) => {
    if (ctx.msg.text.startsWith("/")) return await next();
    const rule = await deps.autoReplies.match(ctx.msg.text);
    if (!rule) return await next();
    const text = (ctx.lang === "en" ? rule.reply.en : undefined) || rule.reply.ru;
    await deps.outbox.sendMessage(`autoreply:${ctx.update.update_id}`, ctx.chat.id, text);
  });
  return composer;
}
