-- The update ledger becomes an inbox: the update itself is kept until it is handled, so an update
-- acknowledged to Telegram is never lost when its handler dies; recovery handles it from here.
alter table telegram_updates add column payload jsonb;
create index telegram_updates_pending on telegram_updates (bot_id, claimed_at) where not done;
