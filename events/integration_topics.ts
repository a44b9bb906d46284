// What an integration can subscribe to: public topic names → the internal event type behind each,
// and what of its data leaves the server. A product makes its events subscribable with one line.
import type { RecordedEvent } from "./store.ts";

export interface Topic {
  /** The public name subscriptions list and deliveries carry as `type`. */
  name: string;
  /** The internal event type. */
  eventType: string;
  description: string;
  /** The delivered `data`; the event's data when unset. Drops what must not leave the server. */
  data?(event: RecordedEvent): unknown;
}

const without = (data: unknown, ...keys: string[]) =>
  Object.fromEntries(Object.entries(data as Record<string, unknown>).filter(([k]) => !keys.includes(k)));

export const integrationTopics: readonly Topic[] = [
  // Integrations: the seed's debounced messages (web/telegram/handlers/integrations.ts).
  {
    name: "message_batch",
    eventType: "IntegrationMessageBatchReady",
    description: "a user's messages gathered over a quiet window, in order",
    data: (event) => {
      const d = event.data as { textsJson: string; messages: { messageId: number; at: string }[] };
      let texts: unknown = null;
      try {
        texts = JSON.parse(d.textsJson);
      } catch { /* shredded: the texts read "[redacted]" */ }
      const list = Array.isArray(texts) ? texts : [];
      const { textsJson: _, ...rest } = d;
      return { ...rest, messages: d.messages.map((m, i) => ({ ...m, text: String(list[i] ?? "[redacted]") })) };
    },
  },
  // Marketplace: an ad's author stays private (events/ads.ts), so authorId is never delivered.
  {
    name: "ad.created",
    eventType: "AdCreated",
    description: "an ad was published",
    data: (e) => without(e.data, "authorId"),
  },
  { name: "ad.edited", eventType: "AdEdited", description: "an ad was edited" },
  { name: "ad.closed", eventType: "AdClosed", description: "an ad was closed", data: (e) => without(e.data, "by") },
  {
    name: "ad.reopened",
    eventType: "AdReopened",
    description: "an ad was reopened",
    data: (e) => without(e.data, "by"),
  },
  // Chats are anonymous: only the chat, the ad and the buyer's number, never a Telegram id.
  {
    name: "chat.opened",
    eventType: "ChatOpened",
    description: "a buyer opened a chat about an ad",
    data: (e) => without(e.data, "sellerId", "buyerId"),
  },
  {
    name: "chat.reported",
    eventType: "ChatReported",
    description: "a chat was reported to the admins",
    data: (e) => without(e.data, "reporterId", "reportedId"),
  },
  // Payments: the payer's contact fields are personal data and stay here (notes/payments_contract.md).
  {
    name: "payment.succeeded",
    eventType: "PaymentSucceeded",
    description: "an invoice was paid",
    data: (e) => without(e.data, "contactName", "contactPhone", "contactEmail", "shippingAddress"),
  },
  // Booking: the client's name and phone are personal data and stay here.
  {
    name: "booking.created",
    eventType: "BookingCreated",
    description: "a client booked a slot",
    data: (e) => without(e.data, "name", "phone"),
  },
  { name: "booking.cancelled", eventType: "BookingCancelled", description: "a booking was cancelled" },
  // Support desk: a message in a website conversation (visitor, agent or auto-reply).
  { name: "support.message", eventType: "SupportMessagePosted", description: "a message in a support conversation" },
];

const byName = new Map(integrationTopics.map((topic) => [topic.name, topic]));
const byEventType = new Map(integrationTopics.map((topic) => [topic.eventType, topic]));

export const topicNamed = (name: string): Topic | undefined => byName.get(name);
export const topicOfEventType = (eventType: string): Topic | undefined => byEventType.get(eventType);
export const topicEventTypes = (): string[] => [...byEventType.keys()];

/** The `data` a delivery carries for this event. */
export const deliveredData = (topic: Topic, event: RecordedEvent): unknown =>
  topic.data ? topic.data(event) : event.data;
