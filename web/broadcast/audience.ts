// Who an audience filter selects: subscribers who have not blocked the bot or sent /stop, narrowed
// by each given criterion. One static statement with a parameter per criterion (null = not used),
// so the plan is prepared once; each behaviour is one `exists` on broadcast_behaviour.
import type { Queryable } from "../../events/database.ts";
import type { AudienceFilter } from "../../events/broadcast.ts";
import type { Language } from "../../events/telegram.ts";

const behaviour = (kind: string, param: number, key = "''") =>
  `($${param}::bool is not true or exists (select 1 from broadcast_behaviour b
     where b.kind = '${kind}' and b.key = ${key} and b.user_id = s.user_id))`;

const where = `not s.blocked and not s.opted_out
  and ($1::text is null or s.language in (select jsonb_array_elements_text($1::text::jsonb)))
  and ($2::timestamptz is null or coalesce(l.last_seen, s.first_seen) >= $2::timestamptz)
  and ($3::timestamptz is null or coalesce(l.last_seen, s.first_seen) < $3::timestamptz)
  and ($4::text is null or coalesce(s.source, '') in (select jsonb_array_elements_text($4::text::jsonb)))
  and ($5::text is null or s.tags && array(select jsonb_array_elements_text($5::text::jsonb)))
  and ($6::text is null or s.user_id in (select x::bigint from jsonb_array_elements_text($6::text::jsonb) x))
  and ${behaviour("posted_ad", 7)}
  and ${behaviour("has_booking", 8)}
  and ${behaviour("paid", 9)}
  and ($10::text is null or exists (select 1 from broadcast_behaviour b
     where b.kind = 'booked_service' and b.key = $10::text and b.user_id = s.user_id))`;

const from = `from broadcast_subscribers s left join broadcast_last_seen l on l.user_id = s.user_id`;

function params(filter: AudienceFilter, now: Date): (string | boolean | null)[] {
  const list = (values: readonly unknown[] | undefined) => values && values.length > 0 ? JSON.stringify(values) : null;
  const daysAgo = (days: number | undefined) =>
    days === undefined ? null : new Date(now.getTime() - days * 86_400_000).toISOString();
  const has = (kind: string) => filter.behaviour?.some((b) => b.kind === kind) ?? false;
  return [
    list(filter.languages),
    daysAgo(filter.activeWithinDays),
    daysAgo(filter.inactiveForDays),
    list(filter.sources),
    list(filter.tags),
    filter.userIds ? JSON.stringify(filter.userIds) : null,
    has("posted_ad"),
    has("has_booking"),
    has("paid"),
    filter.behaviour?.find((b) => b.kind === "booked_service")?.serviceId ?? null,
  ];
}

/** How many subscribers the filter selects now. */
export async function countAudience(sql: Queryable, filter: AudienceFilter, now: Date): Promise<number> {
  const [row] = await sql.unsafe<{ n: number }[]>(
    `select count(*)::int as n ${from} where ${where}`,
    params(filter, now),
  );
  return row.n;
}

/** The next page of the audience in ascending id order, after the given id. */
export async function audiencePage(
  sql: Queryable,
  filter: AudienceFilter,
  now: Date,
  afterUserId: number,
  limit: number,
): Promise<[number, Language][]> {
  const rows = await sql.unsafe<{ user_id: string | number; language: string }[]>(
    `select s.user_id, s.language ${from} where ${where} and s.user_id > $11 order by s.user_id limit $12`,
    [...params(filter, now), afterUserId, limit],
  );
  return rows.map((r) => [Number(r.user_id), r.language === "en" ? "en" : "ru"]);
}

export interface SubscriberRow {
  userId: number;
  language: string;
  source: string | null;
  firstSeen: string;
  lastSeen: string;
  tags: string[];
  blocked: boolean;
  optedOut: boolean;
}

interface RawRow {
  user_id: string | number;
  language: string;
  source: string | null;
  first_seen: Date;
  last_seen: Date | null;
  tags: string[];
  blocked: boolean;
  opted_out: boolean;
}

const toRow = (r: RawRow): SubscriberRow => ({
  userId: Number(r.user_id),
  language: r.language,
  source: r.source,
  firstSeen: r.first_seen.toISOString(),
  lastSeen: (r.last_seen ?? r.first_seen).toISOString(),
  tags: r.tags,
  blocked: r.blocked,
  optedOut: r.opted_out,
});

const columns = `s.user_id, s.language, s.source, s.first_seen, l.last_seen, s.tags, s.blocked, s.opted_out`;

/** The audience's subscribers with their details, ascending by id after the given one (CSV export). */
export async function audienceRows(
  sql: Queryable,
  filter: AudienceFilter,
  now: Date,
  afterUserId: number,
  limit: number,
): Promise<SubscriberRow[]> {
  const rows = await sql.unsafe<RawRow[]>(
    `select ${columns} ${from} where ${where} and s.user_id > $11 order by s.user_id limit $12`,
    [...params(filter, now), afterUserId, limit],
  );
  return rows.map(toRow);
}

/** Every subscriber (blocked and opted out included), newest first, for the console's list. */
export async function listSubscribers(
  sql: Queryable,
  options: { userId?: number; tag?: string; limit: number; offset: number },
): Promise<{ rows: SubscriberRow[]; total: number; reachable: number }> {
  const rows = await sql.unsafe<RawRow[]>(
    `select ${columns} ${from}
     where ($1::bigint is null or s.user_id = $1::bigint) and ($2::text is null or $2::text = any(s.tags))
     order by s.first_seen desc, s.user_id desc limit $3 offset $4`,
    [options.userId ?? null, options.tag ?? null, options.limit, options.offset],
  );
  const [totals] = await sql<{ total: number; reachable: number }[]>`
    select count(*)::int as total, (count(*) filter (where not blocked and not opted_out))::int as reachable
    from broadcast_subscribers`;
  return { rows: rows.map(toRow), ...totals };
}
