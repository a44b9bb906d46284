-- Indexes for the admin event explorer (events/explorer.ts). Every one is paid by every append, so
-- only what a first page of each filter needs; the stream filter walks the primary key and needs none.
-- Measured by tests/bench/explorer_bench.ts: position, type and correlation cost appends next to
-- nothing (their keys grow at the right edge); actor and causation keys land anywhere in the tree
-- and cost the most, so both are partial: events without that key skip them.

-- Newest-first pages of the whole log, and the cursor of every page.
create index events_position on events (global_position);

-- The type filter in position order (a rare type must not walk the whole log), and the list of
-- stored types, a skip scan over these keys.
create index events_type on events (type, global_position);

-- The actor filter ("what did admin:7 do"): most actors are too rare to find by walking the log.
create index events_actor on events ((metadata->>'actor'), global_position)
  where metadata->>'actor' is not null;

-- The correlation filter: one update's or one broadcast's events.
create index events_correlation on events ((metadata->>'correlation_id'), global_position)
  where metadata->>'correlation_id' is not null;

-- The events an event caused, listed with it.
create index events_causation on events ((metadata->>'causation_id'), global_position)
  where metadata->>'causation_id' is not null;
