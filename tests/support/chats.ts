// Chat tests' shared steps: an ad posted straight to its actor, "Write" pressed on its card the
// way a buyer does, and waiting for the read model that routes replies.
import { assert } from "@std/assert";
import { adActor } from "../../actors/ad.ts";
import { newAdId } from "../../events/ads.ts";
import type { SandboxMessage } from "../../web/sandbox/sandbox.ts";
import type { SandboxUser } from "../../web/sandbox/driver.ts";
import type { BotUnderTest } from "./telegram.ts";
import { waitFor } from "./wait.ts";

export async function postAd(bot: BotUnderTest, author: SandboxUser, title: string): Promise<string> {
  const adId = newAdId();
  const created = await bot.platform.runtime.actor(adActor).send(adId, {
    type: "create",
    adId,
    authorId: author.id,
    fields: { title, description: "", price: 1000, category: "other", city: "Kazan", photos: [] },
  });
  assert(created.ok, "the ad is created");
  return adId;
}

/** Opens the ad's card by its deep link and presses "Write" on it, as a buyer does. */
export async function write(buyer: SandboxUser, adId: string): Promise<void> {
  const data = `start_chat:${adId}`;
  const cards = () =>
    buyer.botMessages.filter((m) => m.reply_markup?.inline_keyboard?.flat().some((b) => b.callback_data === data));
  const before = cards().length;
  buyer.send(`/start ad_${adId}`);
  await waitFor(() => cards().length > before, `the card of ad ${adId} with its Write button`);
  buyer.click(/^(Написать|Write)$/);
}

/** Waits until the read model knows which chat these messages in the user's chat belong to. */
export async function routed(bot: BotUnderTest, user: SandboxUser, ...messages: SandboxMessage[]): Promise<void> {
  const ids = messages.map((m) => m.message_id);
  await waitFor(async () => {
    const [row] = await bot.platform.store.db.sql<{ n: number }[]>`
      select count(*)::int as n from chat_routes where user_id = ${user.id} and message_id = any(${ids})`;
    return row.n === ids.length;
  }, `the routes of messages ${ids.join(", ")}`);
}
