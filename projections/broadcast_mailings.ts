// Mailings as the console lists them (status, counts, times) and admins' saved audiences.
// Live progress is read from the mailing actor itself; this list may trail it by a moment.
import { defineProjection } from "./projection.ts";
import type { RecordedEvent } from "../events/store.ts";

type Data = Record<string, unknown>;

const at = (event: RecordedEvent) =>
  typeof event.metadata.at === "string" ? event.metadata.at : event.createdAt.toISOString();

export const broadcastMailingsProjection = defineProjection({
  name: "broadcast_mailings",
  version: 1,
  tables: ["broadcast_mailings", "broadcast_audiences"],
  types: [
    "BroadcastCreated",
    "BroadcastEdited",
    "BroadcastScheduled",
    "BroadcastUnscheduled",
    "BroadcastStarted",
    "BroadcastRecipientsSealed",
    "BroadcastChunkRecorded",
    "BroadcastChunkInDoubt",
    "BroadcastPaused",
    "BroadcastResumed",
    "BroadcastCancelled",
    "BroadcastCompleted",
    "BroadcastFailed",
    "BroadcastAudienceSaved",
    "BroadcastAudienceDeleted",
  ],
  settleMs: 200,
  async setup(tx) {
    await tx`create table broadcast_mailings (
      mailing_id text primary key,
      admin_id bigint not null,
      title text not null,
      status text not null,
      paid boolean not null,
      audience_id text,
      scheduled_at timestamptz,
      total int not null default 0,
      sent int not null default 0,
      blocked int not null default 0,
      failed int not null default 0,
      skipped int not null default 0,
      in_doubt int not null default 0,
      reason text,
      created_at timestamptz not null,
      started_at timestamptz,
      finished_at timestamptz
    )`;
    await tx`create index broadcast_mailings_recent on broadcast_mailings (created_at desc)`;
    await tx`create table broadcast_audiences (
      audience_id text primary key,
      admin_id bigint not null,
      name text not null,
      filter jsonb not null,
      updated_at timestamptz not null
    )`;
    await tx`create index broadcast_audiences_admin on broadcast_audiences (admin_id, name)`;
  },
  async apply(tx, event) {
    const d = event.data as Data;
    const id = d.mailingId as string;
    const status = (s: string) => tx`update broadcast_mailings set status = ${s} where mailing_id = ${id}`;
    switch (event.type) {
      case "BroadcastCreated": {
        const content = d.content as { title: string };
        const audience = d.audience as { audienceId: string | null };
        await tx`insert into broadcast_mailings (mailing_id, admin_id, title, status, paid, audience_id, created_at)
          values (${id}, ${d.adminId as number}, ${content.title}, 'draft', ${d.paid as boolean},
            ${audience.audienceId}, ${at(event)})
          on conflict (mailing_id) do nothing`;
        return;
      }
      case "BroadcastEdited": {
        const content = d.content as { title: string };
        const audience = d.audience as { audienceId: string | null };
        await tx`update broadcast_mailings set title = ${content.title}, paid = ${d.paid as boolean},
          audience_id = ${audience.audienceId} where mailing_id = ${id}`;
        return;
      }
      case "BroadcastScheduled":
        await tx`update broadcast_mailings set status = 'scheduled', scheduled_at = ${d.at as string}
          where mailing_id = ${id}`;
        return;
      case "BroadcastUnscheduled":
        await tx`update broadcast_mailings set status = 'draft', scheduled_at = null where mailing_id = ${id}`;
        return;
      case "BroadcastStarted":
        await tx`update broadcast_mailings set status = 'starting', started_at = ${at(event)} where mailing_id = ${id}`;
        return;
      case "BroadcastRecipientsSealed":
        await tx`update broadcast_mailings set total = ${d.total as number},
          status = case when status = 'starting' then 'sending' else status end where mailing_id = ${id}`;
        return;
      case "BroadcastChunkRecorded":
        await tx`update broadcast_mailings set sent = sent + ${(d.sent as unknown[]).length},
          blocked = blocked + ${(d.blocked as unknown[]).length}, failed = failed + ${(d.failed as unknown[]).length},
          skipped = skipped + ${(d.skipped as unknown[]).length} where mailing_id = ${id}`;
        return;
      case "BroadcastChunkInDoubt":
        await tx`update broadcast_mailings set in_doubt = in_doubt + ${(d.userIds as unknown[]).length}
          where mailing_id = ${id}`;
        return;
      case "BroadcastPaused":
        return void await status("paused");
      case "BroadcastResumed":
        await tx`update broadcast_mailings set status = case when total > 0 or sent > 0 then 'sending' else 'starting' end
          where mailing_id = ${id}`;
        return;
      case "BroadcastCancelled":
      case "BroadcastCompleted":
      case "BroadcastFailed": {
        const final = event.type === "BroadcastCancelled"
          ? "cancelled"
          : event.type === "BroadcastCompleted"
          ? "completed"
          : "failed";
        await tx`update broadcast_mailings set status = ${final}, finished_at = ${at(event)},
          reason = ${(d.reason as string | undefined) ?? null} where mailing_id = ${id}`;
        return;
      }
      case "BroadcastAudienceSaved":
        await tx`insert into broadcast_audiences (audience_id, admin_id, name, filter, updated_at)
          values (${d.audienceId as string}, ${d.adminId as number}, ${d.name as string},
            ${JSON.stringify(d.filter)}::text::jsonb, ${at(event)})
          on conflict (audience_id) do update set name = excluded.name, filter = excluded.filter,
            updated_at = excluded.updated_at`;
        return;
      case "BroadcastAudienceDeleted":
        await tx`delete from broadcast_audiences where audience_id = ${d.audienceId as string}`;
        return;
    }
  },
});
