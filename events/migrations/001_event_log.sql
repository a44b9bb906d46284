-- The event log: streams guard expected versions, events are the immutable log.
create table streams (
  stream_id text primary key,
  version bigint not null check (version > 0),
  updated_at timestamptz not null default now()
);

create table events (
  global_position bigint generated always as identity,
  tx_id xid8 not null default pg_current_xact_id(),
  stream_id text not null,
  stream_version bigint not null,
  event_id uuid not null unique,
  type text not null,
  schema_version smallint not null,
  data jsonb not null,
  metadata jsonb not null,
  created_at timestamptz not null default now(),
  primary key (stream_id, stream_version)
);

-- Readers walk the log in (tx_id, global_position) order, below the oldest running transaction.
create index events_commit_order on events (tx_id, global_position);

-- Wake readers in other processes once per appending statement, delivered at commit.
create function notify_events() returns trigger language plpgsql as $$
begin
  perform pg_notify('events', tg_table_schema);
  return null;
end $$;
create trigger events_notify after insert on events for each statement execute function notify_events();

-- Where each projection and reactor has read up to, and which version of it built its tables.
create table checkpoints (
  name text primary key,
  version int not null,
  tx_id xid8 not null default '0',
  global_position bigint not null default 0,
  updated_at timestamptz not null default now()
);

-- Folded actor state, a cache: deleting every row loses nothing.
create table snapshots (
  stream_id text primary key,
  state_version int not null,
  version bigint not null,
  state jsonb not null,
  updated_at timestamptz not null default now()
);

-- Per-subject keys for personal data; deleting a row shreds that subject's fields in the log.
create table subject_keys (
  subject text primary key,
  key bytea not null,
  created_at timestamptz not null default now()
);
