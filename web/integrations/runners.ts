// Integrations in the composition root: settings from the configuration, and the two consumers
// (fan-out, dispatch) started and stopped together.
import type { Config } from "../../config.ts";
import type { Database } from "../../events/database.ts";
import type { PostgresEventStore } from "../../events/postgres_store.ts";
import type { ActorRuntime } from "../../actors/runtime.ts";
import type { BatchSettings } from "../../actors/integration_batch.ts";
import type { RetryPolicy } from "../../actors/integration_delivery.ts";
import { IntegrationFanout } from "../../projections/integrations_fanout.ts";
import { IntegrationDispatcher } from "../../projections/integrations_dispatcher.ts";

export interface IntegrationSettings {
  /** Whether the bot batches users' messages for the integrations. */
  batching: boolean;
  batch: BatchSettings;
  policy: RetryPolicy;
  timeoutMs: number;
  concurrency: number;
  toleranceSeconds: number;
}

export function integrationSettings(config: Config): IntegrationSettings {
  return {
    batching: config.INTEGRATION_MODE === "on",
    batch: {
      quietMs: config.INTEGRATIONS_BATCH_QUIET_MS,
      maxWaitMs: Math.max(config.INTEGRATIONS_BATCH_MAX_MS, config.INTEGRATIONS_BATCH_QUIET_MS),
      typingRefreshMs: config.INTEGRATIONS_TYPING_REFRESH_MS,
      typingMaxMs: config.INTEGRATIONS_TYPING_MAX_MS,
    },
    policy: { maxAttempts: config.INTEGRATIONS_MAX_ATTEMPTS, baseDelayMs: config.INTEGRATIONS_RETRY_BASE_MS },
    timeoutMs: config.INTEGRATIONS_TIMEOUT_MS,
    concurrency: config.INTEGRATIONS_CONCURRENCY,
    toleranceSeconds: config.INTEGRATIONS_SIGNATURE_TOLERANCE_SECONDS,
  };
}

export interface IntegrationRunners {
  fanout: IntegrationFanout;
  dispatcher: IntegrationDispatcher;
  stop(): Promise<void>;
}

export function startIntegrationRunners(
  deps: { db: Database; store: PostgresEventStore; runtime: ActorRuntime },
  settings: Pick<IntegrationSettings, "policy" | "timeoutMs" | "concurrency">,
  options: { pollIntervalMs?: number } = {},
): IntegrationRunners {
  const fanout = new IntegrationFanout(deps.db, deps.store, deps.runtime, { pollIntervalMs: options.pollIntervalMs });
  const dispatcher = new IntegrationDispatcher(deps.db, deps.store, deps.runtime, {
    ...settings,
    pollIntervalMs: options.pollIntervalMs,
  });
  fanout.start();
  dispatcher.start();
  return {
    fanout,
    dispatcher,
    stop: async () => {
      await Promise.all([fanout.stop(), dispatcher.stop()]);
    },
  };
}
