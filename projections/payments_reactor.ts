// The payments reactor: what follows a payment event — the receipt and the admins' notice, the
// paid thing's change (an ad featured, a booking marked paid), refundStarPayment for a refund
// asked for, notices of refunds and of failures. Effects are keyed by the event's id (outbox keys,
// command ids), and a refund asked again is answered CHARGE_ALREADY_REFUNDED, so replays are harmless.
import type { RecordedEvent } from "../events/store.ts";
import type { Reactor } from "./reactor.ts";

export const paymentsReactorTypes = [
  "PaymentSucceeded",
  "DuplicatePaymentReceived",
  "RefundRequested",
  "PaymentRefunded",
  "RefundFailed",
] as const;

export function paymentsReactor(effects: { react(event: RecordedEvent): Promise<void> }): Reactor {
  return { name: "payments", types: paymentsReactorTypes, react: (event) => effects.react(event) };
}
