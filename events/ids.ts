// Event ids: time-ordered (UUIDv7) so the unique index on event_id grows at its right edge,
// and name-based (UUIDv5-style) where a retry must produce the very same id.
import { createHash } from "node:crypto";

const hexByte = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

// Ids are made for every event and every queued call: a table lookup rather than 16 number-to-string calls.
function format(b: Uint8Array): string {
  const h = (from: number, to: number) => {
    let out = "";
    for (let i = from; i < to; i++) out += hexByte[b[i]];
    return out;
  };
  return `${h(0, 4)}-${h(4, 6)}-${h(6, 8)}-${h(8, 10)}-${h(10, 16)}`;
}

/** A UUIDv7: 48 bits of Unix milliseconds, then randomness. */
export function newEventId(now = Date.now()): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return format(bytes);
}

/** The same name always gives the same id: for commands and effects that may be delivered twice. */
export function deterministicId(...parts: (string | number)[]): string {
  const digest = createHash("sha1").update(parts.join("\u001f")).digest();
  const bytes = new Uint8Array(digest.subarray(0, 16));
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return format(bytes);
}
