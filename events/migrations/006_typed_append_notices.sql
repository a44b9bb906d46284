-- Append notices name the writer and the types it appended (`schema|instance|type,type…`), so a
-- process skips its own appends (woken already) and wakes only the readers of those types.
-- Types beyond what a notice carries (8000 bytes) are sent as `*`: any reader wakes.
create or replace function notify_events() returns trigger language plpgsql as $$
declare
  types text;
begin
  select string_agg(distinct type, ',') into types from appended;
  if length(types) > 7000 then types := '*'; end if;
  perform pg_notify('events',
    tg_table_schema || '|' || coalesce(current_setting('tg.instance', true), '') || '|' || coalesce(types, '*'));
  return null;
end $$;
drop trigger events_notify on events;
create trigger events_notify after insert on events referencing new table as appended
  for each statement execute function notify_events();
