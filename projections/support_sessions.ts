// The support desk's read model: sites with their origins (CORS and the console), one row per
// visitor's conversation for the inbox and search (open, waiting for an answer, closed), which
// topic belongs to which conversation (the bot routes agents' messages by it), and each answer's
// response time for the statistics. The visitor's name and e-mail are copied here for search.
import { defineProjection } from "./projection.ts";
import type { TransactionSql } from "../events/database.ts";
import type { RecordedEvent } from "../events/store.ts";

type Data = Record<string, unknown>;
const at = (event: RecordedEvent) =>
  typeof event.metadata.at === "string" ? event.metadata.at : event.createdAt.toISOString();

async function apply(tx: TransactionSql, event: RecordedEvent): Promise<void> {
  const d = event.data as Data;
  switch (event.type) {
    case "SupportSiteConfigured":
      await tx`insert into support_sites (site, name, origins, enabled, settings, updated_at)
        values (${d.site as string}, ${d.name as string}, ${JSON.stringify(d.origins)}::text::jsonb,
          ${d.enabled as boolean}, ${JSON.stringify(d)}::text::jsonb, ${at(event)})
        on conflict (site) do update set name = excluded.name, origins = excluded.origins,
          enabled = excluded.enabled, settings = excluded.settings, updated_at = excluded.updated_at`;
      return;
    case "SupportSessionStarted":
      await tx`insert into support_sessions (session_id, site, visitor_id, number, started_at, last_at)
        values (${d.sessionId as string}, ${d.site as string}, ${d.visitorId as string}, ${d.number as number},
          ${at(event)}, ${at(event)})
        on conflict do nothing`;
      return;
    case "SupportVisitorProfiled":
      await tx`update support_sessions set name = ${d.name as string | null}, email = ${d.email as string | null},
          page = ${d.page as string | null}, language = ${d.language as string | null}
        where session_id = ${d.sessionId as string}`;
      return;
    case "SupportMessagePosted": {
      const from = d.from as string;
      const sessionId = d.sessionId as string;
      if (from === "visitor") {
        await tx`update support_sessions set messages = messages + 1, last_at = ${at(event)}, last_from = 'visitor',
            waiting_since = coalesce(waiting_since, ${at(event)}::timestamptz)
          where session_id = ${sessionId}`;
      } else if (from === "agent") {
        // An answer to a waiting visitor: its response time, and whether it is the conversation's first.
        await tx`insert into support_responses (session_id, seq, asked_at, answered_at, first)
          select session_id, ${d.seq as number}, waiting_since, ${at(event)}::timestamptz, not answered
          from support_sessions where session_id = ${sessionId} and waiting_since is not null
          on conflict do nothing`;
        await tx`update support_sessions set messages = messages + 1, last_at = ${at(event)}, last_from = 'agent',
            waiting_since = null, answered = true
          where session_id = ${sessionId}`;
      } else {
        await tx`update support_sessions set messages = messages + 1 where session_id = ${sessionId}`;
      }
      return;
    }
    case "SupportTopicCreated":
      await tx`update support_sessions set chat_id = ${d.chatId as number}, thread_id = ${d.threadId as number}
        where session_id = ${d.sessionId as string}`;
      await tx`insert into support_threads (chat_id, thread_id, session_id)
        values (${d.chatId as number}, ${d.threadId as number}, ${d.sessionId as string}) on conflict do nothing`;
      return;
    case "SupportTopicLost":
      await tx`delete from support_threads where chat_id = ${d.chatId as number} and thread_id = ${d
        .threadId as number}`;
      await tx`update support_sessions set thread_id = null, topics_lost = topics_lost + 1
        where session_id = ${d.sessionId as string}`;
      return;
    case "SupportSessionClosed":
      await tx`update support_sessions set status = 'closed', waiting_since = null, closures = closures + 1,
          answered = false
        where session_id = ${d.sessionId as string}`;
      return;
    case "SupportSessionReopened":
      await tx`update support_sessions set status = 'open' where session_id = ${d.sessionId as string}`;
      return;
    case "SupportVisitorForgotten":
      await tx`update support_sessions set name = null, email = null, page = null
        where session_id = ${d.sessionId as string}`;
      return;
    case "SupportVisitorBanned":
    case "SupportVisitorUnbanned":
      await tx`update support_sessions set banned = ${event.type === "SupportVisitorBanned"}
        where session_id = ${d.sessionId as string}`;
      return;
  }
}

export const supportSessionsProjection = defineProjection({
  name: "support_sessions",
  version: 1,
  tables: ["support_sites", "support_sessions", "support_threads", "support_responses"],
  types: [
    "SupportSiteConfigured",
    "SupportSessionStarted",
    "SupportVisitorProfiled",
    "SupportMessagePosted",
    "SupportTopicCreated",
    "SupportTopicLost",
    "SupportSessionClosed",
    "SupportSessionReopened",
    "SupportVisitorBanned",
    "SupportVisitorUnbanned",
    "SupportVisitorForgotten",
  ],
  async setup(tx) {
    await tx`create table support_sites (
      site text primary key,
      name text not null,
      origins jsonb not null,
      enabled boolean not null,
      settings jsonb not null,
      updated_at timestamptz not null
    )`;
    await tx`create table support_sessions (
      session_id text primary key,
      site text not null,
      visitor_id text not null,
      number int not null,
      name text,
      email text,
      page text,
      language text,
      status text not null default 'open',
      banned boolean not null default false,
      chat_id bigint,
      thread_id bigint,
      topics_lost int not null default 0,
      messages int not null default 0,
      last_from text,
      last_at timestamptz not null,
      waiting_since timestamptz,
      answered boolean not null default false,
      closures int not null default 0,
      started_at timestamptz not null
    )`;
    await tx`create index support_sessions_recent on support_sessions (last_at desc)`;
    await tx`create table support_threads (
      chat_id bigint not null,
      thread_id bigint not null,
      session_id text not null,
      primary key (chat_id, thread_id)
    )`;
    await tx`create table support_responses (
      session_id text not null,
      seq int not null,
      asked_at timestamptz not null,
      answered_at timestamptz not null,
      first boolean not null,
      primary key (session_id, seq)
    )`;
  },
  apply,
});
