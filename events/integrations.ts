// Outbound integrations: webhook subscriptions (URL, secret, topics), each delivery of an event to
// a subscription with every attempt and its outcome, and the per-user message batches the seed's
// Make scenario reads. Secrets are sealed with the subscription's key; message texts with the user's.
import { z } from "zod";
import { defineEvent, type EventOf } from "./catalog.ts";
import { userSubject } from "./telegram.ts";

const telegramId = z.number().int().positive();
export const subscriptionId = z.string().regex(/^[0-9a-z]{12}$/, "must be 12 lower-case letters or digits");
/** Public topic names ("message_batch", "ad.created"); which exist is events/integration_topics.ts. */
export const topicName = z.string().regex(/^[a-z][a-z0-9_.]{0,63}$/, "must be a topic name such as ad.created");
export const webhookUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).max(2000);
/** Whose key seals a subscription's secret: deleting the key makes an old secret unreadable. */
export const subscriptionSubject = (id: string) => `integration:${id}`;

// Stream integration-<subscriptionId>.
export const IntegrationSubscriptionCreated = defineEvent(
  "IntegrationSubscriptionCreated",
  z.object({
    subscriptionId,
    name: z.string().min(1).max(100),
    url: webhookUrl,
    secret: z.string().min(16).max(256),
    topics: z.array(topicName).min(1).max(50),
    createdBy: telegramId,
  }),
  { personal: { subject: (d) => subscriptionSubject(d.subscriptionId), fields: ["secret"] } },
);
export const IntegrationSubscriptionUpdated = defineEvent(
  "IntegrationSubscriptionUpdated",
  z.object({
    subscriptionId,
    name: z.string().min(1).max(100),
    url: webhookUrl,
    topics: z.array(topicName).min(1).max(50),
    active: z.boolean(),
    updatedBy: telegramId,
  }),
);
export const IntegrationSecretRotated = defineEvent(
  "IntegrationSecretRotated",
  z.object({ subscriptionId, secret: z.string().min(16).max(256), rotatedBy: telegramId }),
  { personal: { subject: (d) => subscriptionSubject(d.subscriptionId), fields: ["secret"] } },
);
export const IntegrationSubscriptionDeleted = defineEvent(
  "IntegrationSubscriptionDeleted",
  z.object({ subscriptionId, deletedBy: telegramId }),
);

export const subscriptionEventTypes = [
  "IntegrationSubscriptionCreated",
  "IntegrationSubscriptionUpdated",
  "IntegrationSecretRotated",
  "IntegrationSubscriptionDeleted",
] as const;

// Stream integration_delivery-<deliveryId>: one event delivered to one subscription.
const deliveryRef = { deliveryId: z.uuid(), subscriptionId };
const attempt = z.number().int().positive();
export const IntegrationDeliveryQueued = defineEvent(
  "IntegrationDeliveryQueued",
  z.object({ ...deliveryRef, sourceEventId: z.uuid(), topic: topicName, occurredAt: z.iso.datetime({ offset: true }) }),
);
export const IntegrationDeliverySucceeded = defineEvent(
  "IntegrationDeliverySucceeded",
  z.object({ ...deliveryRef, attempt, statusCode: z.number().int(), durationMs: z.number().nonnegative() }),
);
export const IntegrationDeliveryFailed = defineEvent(
  "IntegrationDeliveryFailed",
  z.object({
    ...deliveryRef,
    attempt,
    /** Null when no answer came: refused connection, timeout. */
    statusCode: z.number().int().nullable(),
    error: z.string().max(500),
    durationMs: z.number().nonnegative(),
    /** When the next attempt is due; null when none follows. */
    retryAt: z.iso.datetime({ offset: true }).nullable(),
  }),
);
export const IntegrationDeliveryRetryDue = defineEvent(
  "IntegrationDeliveryRetryDue",
  z.object({ ...deliveryRef, attempt }),
);
export const IntegrationDeliveryDeadLettered = defineEvent(
  "IntegrationDeliveryDeadLettered",
  z.object({ ...deliveryRef, attempts: attempt, reason: z.string().max(500) }),
);
export const IntegrationRedeliveryRequested = defineEvent(
  "IntegrationRedeliveryRequested",
  z.object({ ...deliveryRef, attempt, requestedBy: telegramId }),
);

/** The events that ask the dispatcher for an attempt (the attempt number is in their data). */
export const attemptTriggerTypes = [
  "IntegrationDeliveryQueued",
  "IntegrationDeliveryRetryDue",
  "IntegrationRedeliveryRequested",
] as const;

// Stream integration_batch-<userId>: a user's messages gathered into batches, and the answers.
const batchId = z.string().regex(/^\d+_\d+$/, "must be <userId>_<n>");
export const IntegrationBatchMessageAdded = defineEvent(
  "IntegrationBatchMessageAdded",
  z.object({
    batchId,
    userId: telegramId,
    messageId: z.number().int().positive(),
    text: z.string().max(4096),
    at: z.iso.datetime({ offset: true }),
    /** The windows in force when it came: the batch closes by them even after a restart with other settings. */
    settings: z.object({
      quietMs: z.number().int().positive(),
      maxWaitMs: z.number().int().positive(),
      typingRefreshMs: z.number().int().positive(),
      typingMaxMs: z.number().int().positive(),
    }),
  }),
  { personal: { subject: (d) => userSubject(d.userId), fields: ["text"] } },
);
export const IntegrationMessageBatchReady = defineEvent(
  "IntegrationMessageBatchReady",
  z.object({
    batchId,
    userId: telegramId,
    chatId: z.number().int(),
    messages: z.array(z.object({ messageId: z.number().int().positive(), at: z.iso.datetime({ offset: true }) }))
      .min(1),
    /** The texts in order as one JSON array: sealing covers top-level strings only. */
    textsJson: z.string(),
    firstAt: z.iso.datetime({ offset: true }),
    closedAt: z.iso.datetime({ offset: true }),
  }),
  { personal: { subject: (d) => userSubject(d.userId), fields: ["textsJson"] } },
);
export const IntegrationReplyReceived = defineEvent(
  "IntegrationReplyReceived",
  z.object({ userId: telegramId, replyId: z.string().min(1).max(200), subscriptionId, batchId: batchId.nullable() }),
);

export const integrationEvents = [
  IntegrationSubscriptionCreated,
  IntegrationSubscriptionUpdated,
  IntegrationSecretRotated,
  IntegrationSubscriptionDeleted,
  IntegrationDeliveryQueued,
  IntegrationDeliverySucceeded,
  IntegrationDeliveryFailed,
  IntegrationDeliveryRetryDue,
  IntegrationDeliveryDeadLettered,
  IntegrationRedeliveryRequested,
  IntegrationBatchMessageAdded,
  IntegrationMessageBatchReady,
  IntegrationReplyReceived,
];

export type SubscriptionEvent =
  | EventOf<typeof IntegrationSubscriptionCreated>
  | EventOf<typeof IntegrationSubscriptionUpdated>
  | EventOf<typeof IntegrationSecretRotated>
  | EventOf<typeof IntegrationSubscriptionDeleted>;

export type DeliveryEvent =
  | EventOf<typeof IntegrationDeliveryQueued>
  | EventOf<typeof IntegrationDeliverySucceeded>
  | EventOf<typeof IntegrationDeliveryFailed>
  | EventOf<typeof IntegrationDeliveryRetryDue>
  | EventOf<typeof IntegrationDeliveryDeadLettered>
  | EventOf<typeof IntegrationRedeliveryRequested>;

export type BatchEvent =
  | EventOf<typeof IntegrationBatchMessageAdded>
  | EventOf<typeof IntegrationMessageBatchReady>
  | EventOf<typeof IntegrationReplyReceived>;

/** A fresh subscription id: 12 base-36 characters. */
export function newSubscriptionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return (n % 36n ** 12n).toString(36).padStart(12, "0");
}
