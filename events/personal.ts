// Crypto-shredding: personal fields are sealed with AES-256-GCM under a per-subject key;
// deleting the key makes every copy of those fields unreadable while the log stays immutable.
import type { Sql } from "./database.ts";

const prefix = "pii:";

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

export function isSealed(value: unknown): value is string {
  return typeof value === "string" && value.startsWith(prefix);
}

export async function seal(key: CryptoKey, plaintext: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const body = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, new TextEncoder().encode(plaintext)),
  );
  const out = new Uint8Array(iv.length + body.length);
  out.set(iv);
  out.set(body, iv.length);
  return prefix + toBase64(out);
}

/** Null when the key is not the one it was sealed with (a shredded and re-created key). */
export async function unseal(key: CryptoKey, sealed: string): Promise<string | null> {
  try {
    const bytes = fromBase64(sealed.slice(prefix.length));
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.subarray(0, 12) }, key, bytes.subarray(12));
    return new TextDecoder().decode(plain);
  } catch {
    return null;
  }
}

export class Keyring {
  // Only keys are cached: a missing one is asked for again, as another process may have made it.
  readonly #cache = new Map<string, CryptoKey>();

  constructor(private readonly sql: Sql) {}

  /** Keys for these subjects; with create, missing ones are made (concurrent makers agree on one). */
  async keys(subjects: Iterable<string>, create: boolean): Promise<Map<string, CryptoKey | null>> {
    const result = new Map<string, CryptoKey | null>();
    const missing: string[] = [];
    for (const subject of new Set(subjects)) {
      const cached = this.#cache.get(subject);
      if (cached) result.set(subject, cached);
      else missing.push(subject);
    }
    if (missing.length === 0) return result;
    const rows = create ? await this.#createOrFetch(missing) : await this.sql<{ subject: string; key: Uint8Array }[]>`
      select subject, key from subject_keys
      where subject in (select jsonb_array_elements_text(${JSON.stringify(missing)}::text::jsonb))`;
    const found = new Map(rows.map((row) => [row.subject, row.key]));
    for (const subject of missing) {
      const raw = found.get(subject);
      const key = raw
        ? await crypto.subtle.importKey("raw", new Uint8Array(raw), "AES-GCM", false, ["encrypt", "decrypt"])
        : null;
      if (key) this.#cache.set(subject, key);
      result.set(subject, key);
    }
    return result;
  }

  #createOrFetch(subjects: string[]) {
    const fresh = subjects.map((subject) => ({ subject, key: hex(crypto.getRandomValues(new Uint8Array(32))) }));
    return this.sql<{ subject: string; key: Uint8Array }[]>`
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
