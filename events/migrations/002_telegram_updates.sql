-- Updates seen from Telegram: claimed when handling starts, done when it ends. A redelivered
-- update that is done is skipped; one whose handler died mid-way is handled again after the lease.
create table telegram_updates (
  bot_id bigint not null,
  update_id bigint not null,
  claimed_at timestamptz not null default now(),
  done boolean not null default false,
  primary key (bot_id, update_id)
);
create index telegram_updates_claimed on telegram_updates (claimed_at);
