// Telegram Mini App initData: signing (the sandbox plays Telegram) and verification (the server).
// HMAC-SHA256 over the sorted key=value lines, keyed by HMAC-SHA256("WebAppData", bot token).
const encoder = new TextEncoder();

async function hmac(key: Uint8Array<ArrayBuffer>, data: string): Promise<Uint8Array<ArrayBuffer>> {
  const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(data)));
}

const toHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

function dataCheckString(params: URLSearchParams): string {
  return [...params].filter(([key]) => key !== "hash").map(([key, value]) => `${key}=${value}`).sort().join("\n");
}

async function hashFor(params: URLSearchParams, botToken: string): Promise<string> {
  const secret = await hmac(encoder.encode("WebAppData"), botToken);
  return toHex(await hmac(secret, dataCheckString(params)));
}

export interface WebAppUser {
  id: number;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export async function signInitData(
  botToken: string,
  fields: { user: WebAppUser; authDate: Date; queryId?: string; startParam?: string },
): Promise<string> {
  const params = new URLSearchParams();
  params.set("auth_date", String(Math.floor(fields.authDate.getTime() / 1000)));
  if (fields.queryId) params.set("query_id", fields.queryId);
  if (fields.startParam) params.set("start_param", fields.startParam);
  params.set("user", JSON.stringify(fields.user));
  params.set("hash", await hashFor(params, botToken));
  return params.toString();
}

export type InitDataCheck =
  | { ok: true; user: WebAppUser; authDate: Date; params: URLSearchParams }
  | { ok: false; reason: "missing" | "malformed" | "bad_hash" | "expired" };

/** Constant-time check of the hash, then freshness (auth_date at most maxAgeMs old). */
export async function verifyInitData(
  initData: string,
  botToken: string,
  now: Date,
  maxAgeMs = 86_400_000,
): Promise<InitDataCheck> {
  if (!initData) return { ok: false, reason: "missing" };
  const params = new URLSearchParams(initData);
  const hash = params.get("hash");
  if (!hash || !/^[0-9a-f]{64}$/.test(hash)) return { ok: false, reason: "malformed" };
  const expected = await hashFor(params, botToken);
  let diff = 0;
  for (let i = 0; i < 64; i++) diff |= expected.charCodeAt(i) ^ hash.charCodeAt(i);
  if (diff !== 0) return { ok: false, reason: "bad_hash" };
  const authDate = new Date(Number(params.get("auth_date")) * 1000);
  if (Number.isNaN(authDate.getTime())) return { ok: false, reason: "malformed" };
  if (now.getTime() - authDate.getTime() > maxAgeMs) return { ok: false, reason: "expired" };
  try {
    const user = JSON.parse(params.get("user") ?? "") as WebAppUser;
    if (typeof user?.id !== "number") return { ok: false, reason: "malformed" };
    return { ok: true, user, authDate, params };
  } catch {
    return { ok: false, reason: "malformed" };
  }
}
