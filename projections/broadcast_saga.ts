// The broadcast saga: what follows from the guard rails' decisions. A desk that let a mailing
// begin starts it; a desk that refused a scheduled one fails it with the reason; a mailing that
// ended (completed, cancelled, failed) frees its admin's desk, which starts the cooldown.
// Every command is keyed by the event that caused it, so a redelivery changes nothing.
import type { ActorRuntime } from "../actors/runtime.ts";
import { mailingActor } from "../actors/broadcast.ts";
import { deskActor } from "../actors/broadcast_desk.ts";
import type { RecordedEvent } from "../events/store.ts";
import type { Reactor } from "./reactor.ts";

export function broadcastSagaReactor(runtime: ActorRuntime, policy: { maxAudience: number }): Reactor {
  const mailings = runtime.actor(mailingActor);
  const desks = runtime.actor(deskActor);
  return {
    name: "broadcast_saga",
    types: [
      "BroadcastDeskBegan",
      "BroadcastDeskRefused",
      "BroadcastCompleted",
      "BroadcastCancelled",
      "BroadcastFailed",
    ],
    async react(event: RecordedEvent): Promise<void> {
      const d = event.data as { adminId?: number; mailingId: string; overrideLimit?: boolean; reason?: string };
      const cause = { commandId: `saga:${event.eventId}`, actor: event.metadata.actor ?? "broadcast" };
      switch (event.type) {
        case "BroadcastDeskBegan": {
          const started = await mailings.send(d.mailingId, {
            type: "start",
            overrideLimit: d.overrideLimit ?? false,
            maxAudience: policy.maxAudience,
          }, cause);
          // Cancelled (or gone) meanwhile: the desk must not stay taken.
          if (!started.ok) {
            await desks.send(String(d.adminId), { type: "finish", adminId: d.adminId!, mailingId: d.mailingId }, cause);
          }
          return;
        }
        case "BroadcastDeskRefused":
          await mailings.send(d.mailingId, { type: "fail", reason: d.reason ?? "refused" }, cause);
          return;
        default: {
          const { state } = await mailings.state(d.mailingId);
          if (state.adminId === 0) return;
          await desks.send(String(state.adminId), { type: "finish", adminId: state.adminId, mailingId: d.mailingId }, {
            ...cause,
            actor: "broadcast",
          });
        }
      }
    },
  };
}
