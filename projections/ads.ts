// The ads read model: one row per ad, a full-text index over title and description, and the
// queries the Mini App and the bot ask of it (search with filters in keyset pages, one ad, "my ads").
// Ads featured by a paid promotion (AdFeatured, until a time) come first in search while it runs.
// Text search uses Postgres' `russian` configuration: it stems Cyrillic words with the Russian
// Snowball stemmer and ASCII words with the English one, so "велосипеды" finds "велосипед" and
// "bikes" finds "bike" in one index; `simple` would stem neither, `english` no Russian.
import { defineProjection } from "./projection.ts";
import type { Queryable } from "../events/database.ts";
import type { RecordedEvent } from "../events/store.ts";
import type { AdCategory, AdEvent } from "../events/ads.ts";

type AdData<T extends AdEvent["type"]> = Extract<AdEvent, { type: T }>["data"];

export const adsProjection = defineProjection({
  name: "ads",
  // v2: featured_until (paid promotions) for featured-first search.
  version: 2,
  tables: ["ads"],
  types: ["AdCreated", "AdEdited", "AdClosed", "AdReopened", "AdFeatured"],
  async setup(tx) {
    // `position` (the AdCreated event's place in the log) is unique and only grows: the page key.
    await tx`create table ads (
      ad_id text primary key,
      author_id bigint not null,
      title text not null,
      description text not null,
      price bigint not null,
      category text not null,
      city text not null,
      city_key text generated always as (lower(city)) stored,
      photos jsonb not null,
      status text not null,
      position bigint not null unique,
      featured_until timestamptz,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      search tsvector generated always as (to_tsvector('russian'::regconfig, title || ' ' || description)) stored
    )`;
    // Lists show active ads only, so their indexes leave closed ones out.
    await tx`create index ads_active_search on ads using gin (search) where status = 'active'`;
    await tx`create index ads_active on ads (position desc) where status = 'active'`;
    await tx`create index ads_active_category on ads (category, position desc) where status = 'active'`;
    await tx`create index ads_active_city on ads (city_key, position desc) where status = 'active'`;
    await tx`create index ads_by_author on ads (author_id, position desc)`;
    // The few ads promoted at any time are found without scanning the rest.
    await tx`create index ads_active_featured on ads (featured_until) where status = 'active' and featured_until is not null`;
  },
  async apply(tx, event) {
    const at = eventTime(event);
    switch (event.type) {
      case "AdCreated": {
        const d = event.data as AdData<"AdCreated">;
        await tx`insert into ads (ad_id, author_id, title, description, price, category, city, photos, status, position,
            created_at, updated_at)
          values (${d.adId}, ${d.authorId}, ${d.title}, ${d.description}, ${d.price}, ${d.category}, ${d.city},
            ${JSON.stringify(d.photos)}::text::jsonb, 'active', ${event.globalPosition}, ${at}, ${at})
          on conflict (ad_id) do nothing`;
        return;
      }
      case "AdEdited": {
        const d = event.data as AdData<"AdEdited">;
        await tx`update ads set title = ${d.title}, description = ${d.description}, price = ${d.price},
            category = ${d.category}, city = ${d.city}, photos = ${JSON.stringify(d.photos)}::text::jsonb,
            updated_at = ${at}
          where ad_id = ${d.adId}`;
        return;
      }
      case "AdClosed":
      case "AdReopened": {
        const d = event.data as AdData<"AdClosed">;
        const status = event.type === "AdClosed" ? "closed" : "active";
        await tx`update ads set status = ${status}, updated_at = ${at} where ad_id = ${d.adId}`;
        return;
      }
      case "AdFeatured": {
        // The decider extends a running promotion, so the latest `until` is the one that counts.
        const d = event.data as AdData<"AdFeatured">;
        await tx`update ads set featured_until = ${d.until} where ad_id = ${d.adId}`;
        return;
      }
    }
  },
});

/** The decider's time of the event, or the database's when the metadata has none. */
function eventTime(event: RecordedEvent): string {
  return typeof event.metadata.at === "string" ? event.metadata.at : event.createdAt.toISOString();
}

/** An ad as lists show it. The author's id is never part of it: `mine` says whether the viewer wrote it. */
export interface AdSummary {
  adId: string;
  title: string;
  price: number;
  category: AdCategory;
  city: string;
  photoCount: number;
  status: "active" | "closed";
  createdAt: string;
  mine: boolean;
  /** A paid promotion runs now: search lists it first. */
  featured: boolean;
}

/** An ad as its page shows it. */
export interface AdView extends AdSummary {
  description: string;
  updatedAt: string;
}

export interface AdPage {
  ads: AdSummary[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

export interface AdSearch {
  /** Words to find in the title or description; each also matches as a prefix ("велос" finds "велосипед"). */
  q?: string;
  category?: AdCategory;
  /** Exact city, in any letter case. */
  city?: string;
  cursor?: string;
  limit: number;
  /** When "featured" is judged (tests pin it); later pages keep the first page's time, from the cursor. */
  now?: Date;
}

/**
 * Cursors are opaque to clients and checked by the API's schema. "My ads": the last row's position
 * in base 36. Search: "<featured 0|1>.<position>.<seconds of the first page>" in base 36, so every
 * page of one listing splits featured from the rest at the same moment (a promotion ending between
 * two pages neither repeats nor skips an ad).
 */
export const cursorPattern = /^([0-9a-z]{1,11}|[01]\.[0-9a-z]{1,11}\.[0-9a-z]{1,9})$/;
const encodeCursor = (position: number) => position.toString(36);
const decodeCursor = (cursor: string) => parseInt(cursor.includes(".") ? cursor.split(".")[1] : cursor, 36);

interface SearchCursor {
  featured: 0 | 1;
  position: number;
  asOf: Date;
}

const encodeSearchCursor = (c: SearchCursor) =>
  `${c.featured}.${c.position.toString(36)}.${Math.floor(c.asOf.getTime() / 1000).toString(36)}`;

/** A plain position (a cursor from before featured ads) reads as a non-featured one judged now. */
function decodeSearchCursor(cursor: string, now: Date): SearchCursor {
  const parts = cursor.split(".");
  if (parts.length !== 3) return { featured: 0, position: parseInt(cursor, 36), asOf: now };
  return {
    featured: parts[0] === "1" ? 1 : 0,
    position: parseInt(parts[1], 36),
    asOf: new Date(parseInt(parts[2], 36) * 1000),
  };
}

/** Up to 8 words of letters or digits, each a prefix: safe to hand to to_tsquery whatever the user typed. */
export function prefixQuery(text: string): string | undefined {
  const words = text.match(/[\p{L}\p{N}]+/gu)?.slice(0, 8);
  return words ? words.map((w) => `${w}:*`).join(" & ") : undefined;
}

interface Row {
  ad_id: string;
  title: string;
  price: number;
  category: AdCategory;
  city: string;
  photo_count: number;
  status: "active" | "closed";
  created_at: Date;
  position: number;
  mine: boolean;
  featured: boolean;
}

const summary = (r: Row): AdSummary => ({
  adId: r.ad_id,
  title: r.title,
  price: r.price,
  category: r.category,
  city: r.city,
  photoCount: r.photo_count,
  status: r.status,
  createdAt: r.created_at.toISOString(),
  mine: r.mine,
  featured: r.featured,
});

function page(rows: Row[], limit: number): AdPage {
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  return { ads: shown.map(summary), nextCursor: more ? encodeCursor(shown[shown.length - 1].position) : null };
}

/**
 * Active ads, featured ones first and then newest first, narrowed by words, category and city; one
 * keyset page ordered by (featured, position), both descending.
 */
export async function searchAds(sql: Queryable, viewerId: number, search: AdSearch): Promise<AdPage> {
  const tsquery = search.q ? prefixQuery(search.q) : undefined;
  // A search without a single word matches nothing rather than everything.
  if (search.q && !tsquery) return { ads: [], nextCursor: null };
  const now = search.now ?? new Date();
  const after = search.cursor ? decodeSearchCursor(search.cursor, now) : undefined;
  // Whole seconds, as the cursor keeps them: the first page and the next judge "featured" alike.
  const asOf = after?.asOf ?? new Date(Math.floor(now.getTime() / 1000) * 1000);
  const featured = sql`coalesce(featured_until > ${asOf}, false)`;
  const rows = await sql<Row[]>`
    select ad_id, title, price, category, city, jsonb_array_length(photos) as photo_count, status, created_at,
      position, author_id = ${viewerId} as mine, ${featured} as featured
    from ads
    where status = 'active'
      ${tsquery ? sql`and search @@ to_tsquery('russian', ${tsquery})` : sql``}
      ${search.category ? sql`and category = ${search.category}` : sql``}
      ${search.city ? sql`and city_key = lower(${search.city.trim()})` : sql``}
      ${after ? sql`and (${featured}::int, position) < (${after.featured}, ${after.position})` : sql``}
    order by ${featured} desc, position desc
    limit ${search.limit + 1}`;
  const more = rows.length > search.limit;
  const shown = more ? rows.slice(0, search.limit) : rows;
  const last = shown[shown.length - 1];
  return {
    ads: shown.map(summary),
    nextCursor: more
      ? encodeSearchCursor({ featured: last.featured ? 1 : 0, position: Number(last.position), asOf })
      : null,
  };
}

/** The viewer's own ads, active and closed, newest first; one keyset page. */
export async function adsOfAuthor(
  sql: Queryable,
  authorId: number,
  options: { cursor?: string; limit: number },
): Promise<AdPage> {
  const rows = await sql<Row[]>`
    select ad_id, title, price, category, city, jsonb_array_length(photos) as photo_count, status, created_at,
      position, true as mine, coalesce(featured_until > now(), false) as featured
    from ads
    where author_id = ${authorId}
      ${options.cursor ? sql`and position < ${decodeCursor(options.cursor)}` : sql``}
    order by position desc
    limit ${options.limit + 1}`;
  return page(rows, options.limit);
}

/** One ad, active or closed, or undefined when there is none. */
export async function adById(sql: Queryable, viewerId: number, adId: string): Promise<AdView | undefined> {
  const [row] = await sql<(Row & { description: string; updated_at: Date })[]>`
    select ad_id, title, description, price, category, city, jsonb_array_length(photos) as photo_count, status,
      created_at, updated_at, position, author_id = ${viewerId} as mine,
      coalesce(featured_until > now(), false) as featured
    from ads where ad_id = ${adId}`;
  return row && { ...summary(row), description: row.description, updatedAt: row.updated_at.toISOString() };
}

/** Cities with active ads, the busiest first: suggestions for the city filter. */
export async function activeCities(sql: Queryable, limit = 50): Promise<string[]> {
  const rows = await sql<{ city: string }[]>`
    select min(city) as city from ads where status = 'active'
    group by city_key order by count(*) desc, city_key limit ${limit}`;
  return rows.map((r) => r.city);
}
