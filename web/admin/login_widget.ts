// Telegram Login Widget data check: HMAC-SHA256 over the sorted "key=value" lines of every field but
// hash, keyed by SHA-256(bot token); auth_date at most maxAgeMs old.
const encoder = new TextEncoder();

export type WidgetFields = Record<string, string | number>;

export type WidgetCheck =
  | { ok: true; userId: number; authDate: Date }
  | { ok: false; reason: "malformed" | "bad_hash" | "expired" };

/** Every received field except hash, as Telegram signs them. */
export function widgetCheckString(fields: WidgetFields): string {
  return Object.entries(fields).filter(([key]) => key !== "hash").map(([key, value]) => `${key}=${value}`).sort()
    .join("\n");
}

export async function verifyLoginWidget(
  fields: WidgetFields,
  botToken: string,
  now: Date,
  maxAgeMs = 86_400_000,
): Promise<WidgetCheck> {
  const hash = String(fields.hash ?? "");
  const userId = Number(fields.id);
  const authDate = new Date(Number(fields.auth_date) * 1000);
  if (!/^[0-9a-f]{64}$/.test(hash) || !Number.isSafeInteger(userId) || Number.isNaN(authDate.getTime())) {
    return { ok: false, reason: "malformed" };
  }
  const secret = await crypto.subtle.digest("SHA-256", encoder.encode(botToken));
  const key = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const signature = Uint8Array.from(hash.match(/../g)!, (byte) => parseInt(byte, 16));
  // WebCrypto's verify compares in constant time.
  if (!(await crypto.subtle.verify("HMAC", key, signature, encoder.encode(widgetCheckString(fields))))) {
    return { ok: false, reason: "bad_hash" };
  }
  if (now.getTime() - authDate.getTime() > maxAgeMs) return { ok: false, reason: "expired" };
  return { ok: true, userId, authDate };
}
