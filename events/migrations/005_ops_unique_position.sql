-- Global positions unique, enforced rather than checked: a restore or import that writes positions
-- itself cannot duplicate one, and the start-up integrity check need not scan for duplicates.
-- Same name and key as before (the explorer's index), so its plans and benchmark stay as they were.
drop index if exists events_position;
create unique index events_position on events (global_position);
