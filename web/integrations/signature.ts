// The webhook signature, both ways (Stripe's scheme): `X-Signature: t=<unix seconds>,v1=<hex>`
// where hex = HMAC-SHA256(secret, "<t>.<raw body>"). The timestamp inside the signed text makes an
// old request useless to replay once it is older than the tolerance.
import { Buffer } from "node:buffer";
import { createHmac, timingSafeEqual } from "node:crypto";

export const signatureHeader = "X-Signature";

/** The secret as text, or as its UTF-8 bytes (cheaper to key an HMAC with when signing many bodies). */
export type Secret = string | Uint8Array;

export function signatureOf(secret: Secret, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/** The header value for a body sent at `timestamp` (Unix seconds). */
export function signHeader(secret: Secret, body: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${signatureOf(secret, timestamp, body)}`;
}

export type Verification = { ok: true; timestamp: number } | { ok: false; reason: string };

/** Checks a header against the raw body; the reason says what is wrong, never what was expected. */
export function verifySignature(
  secret: string,
  header: string | null | undefined,
  body: string,
  options: { nowSeconds: number; toleranceSeconds: number },
): Verification {
  if (!header) return { ok: false, reason: `the ${signatureHeader} header is missing` };
  const parts = new Map<string, string[]>();
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    parts.set(key, [...(parts.get(key) ?? []), part.slice(eq + 1).trim()]);
  }
  const t = parts.get("t")?.[0];
  if (!t || !/^\d{1,12}$/.test(t)) return { ok: false, reason: `${signatureHeader} has no t=<unix seconds>` };
  const timestamp = Number(t);
  if (Math.abs(options.nowSeconds - timestamp) > options.toleranceSeconds) {
    return { ok: false, reason: `the signature's timestamp is more than ${options.toleranceSeconds} s from now` };
  }
  const candidates = (parts.get("v1") ?? []).filter((v) => /^[0-9a-f]{64}$/.test(v));
  if (candidates.length === 0) return { ok: false, reason: `${signatureHeader} has no v1=<hex HMAC-SHA256>` };
  const expected = Buffer.from(signatureOf(secret, timestamp, body), "hex");
  // Several v1 values are allowed so a sender can sign with an old and a new secret while rotating.
  const match = candidates.some((v) => timingSafeEqual(Buffer.from(v, "hex"), expected));
  return match ? { ok: true, timestamp } : { ok: false, reason: "the signature does not match the body" };
}
