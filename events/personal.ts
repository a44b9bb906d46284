// Crypto-shredding: personal fields are sealed with AES-256-GCM under a per-subject key;
// deleting the key makes every copy of those fields unreadable while the log stays immutable.
import { Buffer } from "node:buffer";
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { Sql } from "./database.ts";
import { Coalescer } from "./coalesce.ts";

const prefix = "pii:";

// node:crypto rather than WebCrypto: synchronous and about five times cheaper per field, which
// matters on the append path. Layout as WebCrypto writes it: iv (12) | ciphertext | tag (16).
export type SubjectKey = Uint8Array<ArrayBuffer>;

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

export function isSealed(value: unknown): value is string {
  return typeof value === "string" && value.startsWith(prefix);
}

export function seal(key: SubjectKey, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([iv, cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return prefix + body.toString("base64");
}

/** Null when the key is not the one it was sealed with (a shredded and re-created key). */
export function unseal(key: SubjectKey, sealed: string): string | null {
  try {
    const bytes = Buffer.from(sealed.slice(prefix.length), "base64");
    const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}

export class Keyring {
  // Only keys are cached: a missing one is asked for again, as another process may have made it.
  readonly #cache = new Map<string, SubjectKey>();
  // Keys asked for in the same tick (a burst of new users) are made or fetched in one statement.
  readonly #made = new Coalescer<string, SubjectKey | null>((subjects) => this.#createOrFetch(subjects), null);
  readonly #fetched = new Coalescer<string, SubjectKey | null>((subjects) => this.#fetch(subjects), null);

  constructor(private readonly sql: Sql) {}

  /** Keys for these subjects; with create, missing ones are made (concurrent makers agree on one). */
  async keys(subjects: Iterable<string>, create: boolean): Promise<Map<string, SubjectKey | null>> {
    const result = new Map<string, SubjectKey | null>();
    const missing: string[] = [];
    for (const subject of new Set(subjects)) {
      const cached = this.#cache.get(subject);
      if (cached) result.set(subject, cached);
      else missing.push(subject);
    }
    const loader = create ? this.#made : this.#fetched;
    const loaded = await Promise.all(missing.map((subject) => loader.get(subject)));
    missing.forEach((subject, i) => {
      const key = loaded[i];
      if (key) this.#cache.set(subject, key);
      result.set(subject, key);
    });
    return result;
  }

  async #fetch(subjects: string[]): Promise<Map<string, SubjectKey>> {
    const rows = await this.sql<{ subject: string; key: Uint8Array }[]>`
      select subject, key from subject_keys
      where subject in (select jsonb_array_elements_text(${JSON.stringify(subjects)}::text::jsonb))`;
    return new Map(rows.map((row) => [row.subject, new Uint8Array(row.key)]));
  }

  async #createOrFetch(subjects: string[]): Promise<Map<string, SubjectKey>> {
    const fresh = subjects.map((subject) => ({ subject, key: hex(crypto.getRandomValues(new Uint8Array(32))) }));
    const rows = await this.sql<{ subject: string; key: Uint8Array }[]>`
      with input as (select * from jsonb_to_recordset(${
      JSON.stringify(fresh)
    }::text::jsonb) as x(subject text, key text)),
      made as (
        insert into subject_keys (subject, key) select subject, decode(key, 'hex') from input
        on conflict (subject) do nothing returning subject, key
      )
      select subject, key from made
      union all
      select k.subject, k.key from subject_keys k join input i using (subject) where k.subject not in (select subject from made)`;
    const keys = new Map(rows.map((row) => [row.subject, new Uint8Array(row.key)]));
    // A concurrent maker won the insert after this statement's snapshot was taken: read its key anew.
    const lost = subjects.filter((subject) => !keys.has(subject));
    if (lost.length > 0) { for (const [subject, key] of await this.#fetch(lost)) keys.set(subject, key); }
    return keys;
  }

  async forget(subject: string): Promise<void> {
    await this.sql`delete from subject_keys where subject = ${subject}`;
    this.#cache.delete(subject);
  }

  /** Drops a cached key another process has shredded. */
  evict(subject: string): void {
    this.#cache.delete(subject);
  }
}
