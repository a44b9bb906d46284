// The ad_chats actor (stream ad_chats-<adId>): who may start a chat about an ad, and the buyers
// who did, numbered in order. The number names the chat (`<adId>_<n>`) and the buyer's alias
// ("Buyer #3"), so one ad and one buyer always meet in the same chat.
import { defineActor, reject, type Rejection } from "./decider.ts";
import type { AdChatsEvent } from "../events/chats.ts";

export interface AdChatsState {
  /** Buyer number by Telegram user id. */
  buyers: Record<string, number>;
  count: number;
}

/** What the handler read from the ad and the participants' actors: the rules here decide on it. */
export interface AdFacts {
  exists: boolean;
  authorId: number;
  status: "active" | "closed";
}

export type AdChatsCommand = {
  type: "join";
  adId: string;
  buyerId: number;
  ad: AdFacts;
  buyerBanned: boolean;
  /** The author has blocked this buyer in another chat. */
  sellerBlocksBuyer: boolean;
};

export type AdChatsRejection = "ad_not_found" | "own_ad" | "ad_closed" | "banned" | "blocked";

function decide(command: AdChatsCommand, state: AdChatsState): AdChatsEvent[] | Rejection<AdChatsRejection> {
  const { ad, buyerId } = command;
  if (!ad.exists) return reject("ad_not_found", "no such ad");
  if (ad.authorId === buyerId) return reject("own_ad", "this is your own ad");
  if (ad.status === "closed") return reject("ad_closed", "the ad is closed");
  if (command.buyerBanned) return reject("banned", "banned from the marketplace");
  if (command.sellerBlocksBuyer) return reject("blocked", "the author does not accept messages from this user");
  if (Object.hasOwn(state.buyers, String(buyerId))) return [];
  return [{ type: "BuyerNumbered", data: { adId: command.adId, buyerId, number: state.count + 1 } }];
}

export const adChatsActor = defineActor({
  kind: "ad_chats",
  decider: {
    initialState: (): AdChatsState => ({ buyers: {}, count: 0 }),
    evolve: (state: AdChatsState, event: AdChatsEvent): AdChatsState => ({
      buyers: { ...state.buyers, [event.data.buyerId]: event.data.number },
      count: Math.max(state.count, event.data.number),
    }),
    decide,
  },
});
