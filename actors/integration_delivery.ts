// The delivery decider (stream integration_delivery-<id>): one event for one subscription. It
// decides what an attempt's result means: delivered; retried later (exponential back-off with
// jitter, as a timer); or dead-lettered after the last attempt or a 4xx that retrying cannot fix.
import { defineActor, reject, type Rejection } from "./decider.ts";
import type { DeliveryEvent } from "../events/integrations.ts";
import { scheduleTimer, type TimerEvent } from "../events/timers.ts";

export type DeliveryStatus = "none" | "pending" | "retrying" | "delivered" | "dead";

export interface DeliveryState {
  status: DeliveryStatus;
  deliveryId: string;
  subscriptionId: string;
  /** Attempts made so far. */
  attempts: number;
  /** Attempts made before the current series (a redelivery starts a new series of maxAttempts). */
  seriesStart: number;
}

export interface RetryPolicy {
  /** Attempts in a series, the first included. */
  maxAttempts: number;
  /** The delay after the first failure; each next one doubles. */
  baseDelayMs: number;
}

/** 10 attempts over ~24 h: 170 s doubling nine times sums to 86,870 s (±20% jitter each). */
export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 10, baseDelayMs: 170_000 };

export interface AttemptResult {
  /** The HTTP status, or null when none came (connection refused, timeout). */
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** No retry can help (the subscription was deleted or paused): dead-lettered at once. */
  permanent?: boolean;
}

export type DeliveryCommand =
  | {
    type: "queue";
    deliveryId: string;
    subscriptionId: string;
    sourceEventId: string;
    topic: string;
    occurredAt: string;
  }
  | {
    type: "recordAttempt";
    attempt: number;
    result: AttemptResult;
    policy: RetryPolicy;
    /** In [0, 1): randomness comes with the command so the decider stays pure. */
    jitter: number;
  }
  | { type: "retryDue"; attempt: number }
  | { type: "redeliver"; by: number };

export type DeliveryRejection = "exists" | "not_found" | "not_dead";

type Event = DeliveryEvent | TimerEvent;

export const deliveryKind = "integration_delivery";

const initialState = (): DeliveryState => ({
  status: "none",
  deliveryId: "",
  subscriptionId: "",
  attempts: 0,
  seriesStart: 0,
});

/** 2xx delivers; no answer, 5xx, 408 and 429 are worth another try; other answers are not. */
export function isRetryable(statusCode: number | null): boolean {
  return statusCode === null || statusCode >= 500 || statusCode === 408 || statusCode === 429;
}

export const isDelivered = (statusCode: number | null) => statusCode !== null && statusCode >= 200 && statusCode < 300;

/** Delay before the attempt after the n-th failure of a series: base·2^(n−1), ±20% by jitter. */
export function backoffMs(policy: RetryPolicy, failures: number, jitter: number): number {
  return Math.round(policy.baseDelayMs * 2 ** (failures - 1) * (0.8 + 0.4 * jitter));
}

function evolve(state: DeliveryState, event: Event): DeliveryState {
  switch (event.type) {
    case "IntegrationDeliveryQueued":
      return {
        ...state,
        status: "pending",
        deliveryId: event.data.deliveryId,
        subscriptionId: event.data.subscriptionId,
      };
    case "IntegrationDeliverySucceeded":
      return { ...state, status: "delivered", attempts: event.data.attempt };
    case "IntegrationDeliveryFailed":
      return { ...state, status: "retrying", attempts: event.data.attempt };
    case "IntegrationDeliveryDeadLettered":
      return { ...state, status: "dead" };
    case "IntegrationRedeliveryRequested":
      return { ...state, status: "pending", seriesStart: state.attempts };
    case "IntegrationDeliveryRetryDue":
      return { ...state, status: "pending" };
    default:
      return state;
  }
}

function decide(
  command: DeliveryCommand,
  state: DeliveryState,
  { now }: { now: Date },
): Event[] | Rejection<DeliveryRejection> {
  if (command.type === "queue") {
    if (state.status !== "none") return reject("exists", "this delivery is queued already");
    const { type: _, ...data } = command;
    return [{ type: "IntegrationDeliveryQueued", data }];
  }
  if (state.status === "none") return reject("not_found", "no such delivery");
  const ref = { deliveryId: state.deliveryId, subscriptionId: state.subscriptionId };
  switch (command.type) {
    case "recordAttempt": {
      // Only the attempt that was asked for counts: a repeat after a crash, or a late one, changes nothing.
      if (state.status !== "pending" || command.attempt !== state.attempts + 1) return [];
      const { statusCode, error, durationMs } = command.result;
      const attempt = command.attempt;
      if (isDelivered(statusCode)) {
        return [{
          type: "IntegrationDeliverySucceeded",
          data: { ...ref, attempt, statusCode: statusCode!, durationMs },
        }];
      }
      const failures = attempt - state.seriesStart;
      const message = (error ?? `HTTP ${statusCode}`).slice(0, 500);
      const retryable = isRetryable(statusCode) && !command.result.permanent;
      if (!retryable || failures >= command.policy.maxAttempts) {
        const reason = retryable ? `gave up after ${failures} attempts: ${message}` : message;
        return [
          {
            type: "IntegrationDeliveryFailed",
            data: { ...ref, attempt, statusCode, error: message, durationMs, retryAt: null },
          },
          {
            type: "IntegrationDeliveryDeadLettered",
            data: { ...ref, attempts: attempt, reason: reason.slice(0, 500) },
          },
        ];
      }
      const retryAt = new Date(now.getTime() + backoffMs(command.policy, failures, command.jitter));
      return [
        {
          type: "IntegrationDeliveryFailed",
          data: { ...ref, attempt, statusCode, error: message, durationMs, retryAt: retryAt.toISOString() },
        },
        scheduleTimer({
          timerId: `integration_delivery:${state.deliveryId}`,
          dueAt: retryAt,
          target: { kind: deliveryKind, id: state.deliveryId },
          command: { type: "retryDue", attempt: attempt + 1 },
        }),
      ];
    }
    case "retryDue":
      if (state.status !== "retrying" || command.attempt !== state.attempts + 1) return [];
      return [{ type: "IntegrationDeliveryRetryDue", data: { ...ref, attempt: command.attempt } }];
    case "redeliver":
      if (state.status !== "dead") return reject("not_dead", "only a dead-lettered delivery can be redelivered");
      return [{
        type: "IntegrationRedeliveryRequested",
        data: { ...ref, attempt: state.attempts + 1, requestedBy: command.by },
      }];
  }
}

export const integrationDeliveryActor = defineActor<DeliveryState, DeliveryCommand, Event, DeliveryRejection>({
  kind: deliveryKind,
  decider: { initialState, evolve, decide },
  // Short streams read once or twice: a snapshot would cost more than it saves.
  snapshotEvery: 0,
});
