// Broadcasts wired together from the configuration: the console's service, the bot's auto-replies,
// the saga that follows the guard rails, and the dispatcher that delivers mailings.
import type { Config } from "../../config.ts";
import type { Database } from "../../events/database.ts";
import type { EventStore } from "../../events/store.ts";
import type { ActorRuntime } from "../../actors/runtime.ts";
import { ReactorRunner } from "../../projections/reactor.ts";
import { broadcastSagaReactor } from "../../projections/broadcast_saga.ts";
import type { Gateway } from "../telegram/gateway.ts";
import { Outbox } from "../telegram/outbox.ts";
import { AutoReplies } from "./auto_replies.ts";
import { SafeRegex } from "./safe_regex.ts";
import { BroadcastDispatcher } from "./dispatcher.ts";
import { BroadcastService } from "./service.ts";

export interface Broadcasts {
  service: BroadcastService;
  dispatcher: BroadcastDispatcher;
  /** What the bot needs: /stop, mailing buttons, auto-replies. */
  bot: { runtime: ActorRuntime; autoReplies: AutoReplies };
  stop(): Promise<void>;
}

export function startBroadcasts(parts: {
  db: Database;
  store: EventStore;
  runtime: ActorRuntime;
  config: Config;
  gateway: () => Gateway | undefined;
  pollIntervalMs?: number;
}): Broadcasts {
  const { db, store, runtime, config } = parts;
  const policy = {
    cooldownMs: config.BROADCAST_COOLDOWN_MINUTES * 60_000,
    maxAudience: config.BROADCAST_MAX_AUDIENCE,
    paidAllowed: config.BROADCAST_PAID === "on",
    ratePerSecond: config.BROADCAST_RATE_PER_SECOND,
    paidRatePerSecond: config.BROADCAST_PAID_RATE_PER_SECOND,
  };
  const regex = new SafeRegex();
  const autoReplies = new AutoReplies(runtime, regex);
  const service = new BroadcastService({ db, store, runtime, outbox: new Outbox(store), autoReplies, policy });
  const saga = new ReactorRunner(broadcastSagaReactor(runtime, { maxAudience: policy.maxAudience }), db, store, {
    pollIntervalMs: parts.pollIntervalMs,
  });
  saga.start();
  const dispatcher = new BroadcastDispatcher(
    db,
    store,
    runtime,
    () => parts.gateway()?.api,
    () => parts.gateway()?.throttle,
    {
      ratePerSecond: policy.ratePerSecond,
      paidRatePerSecond: policy.paidRatePerSecond,
      maxAttempts: config.BROADCAST_MAX_ATTEMPTS,
    },
  );
  dispatcher.start();
  return {
    service,
    dispatcher,
    bot: { runtime, autoReplies },
    async stop() {
      await dispatcher.stop();
      await saga.stop();
      regex.close();
    },
  };
}
