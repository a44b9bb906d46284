// Widget session tokens: HMAC-SHA256 over site, visitor and issue time, so a visitor id in a
// browser's localStorage proves nothing by itself and a forged or altered token is refused.
import { Buffer } from "node:buffer";

const encodeBase64Url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

export interface WidgetIdentity {
  site: string;
  visitorId: string;
  issuedAt: number;
}

/** How long a token stays valid; every POST /session issues a fresh one. */
export const tokenLifetimeMs = 30 * 24 * 60 * 60 * 1000;

const encoder = new TextEncoder();

export class WidgetTokens {
  readonly #key: Promise<CryptoKey>;

  constructor(secret: string) {
    this.#key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
  }

  async issue(site: string, visitorId: string, now: Date): Promise<string> {
    const body = `v1.${site}.${visitorId}.${Math.floor(now.getTime() / 1000)}`;
    const signature = await crypto.subtle.sign("HMAC", await this.#key, encoder.encode(body));
    return `${body}.${encodeBase64Url(new Uint8Array(signature))}`;
  }

  /** The identity a token carries, or undefined when it is malformed, forged or expired. */
  async verify(token: string, now: Date): Promise<WidgetIdentity | undefined> {
    const match = /^v1\.([a-z0-9]{4,32})\.([a-z0-9]{16,32})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match) return undefined;
    const [, site, visitorId, issued, signature] = match;
    const body = `v1.${site}.${visitorId}.${issued}`;
    const expected = encodeBase64Url(
      new Uint8Array(await crypto.subtle.sign("HMAC", await this.#key, encoder.encode(body))),
    );
    if (!constantTimeEqual(expected, signature)) return undefined;
    const issuedAt = Number(issued) * 1000;
    if (issuedAt > now.getTime() + 60_000 || now.getTime() - issuedAt > tokenLifetimeMs) return undefined;
    return { site, visitorId, issuedAt };
  }
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** A new visitor's id: 20 base-36 characters from the CSPRNG. */
export function newVisitorId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  return Array.from(bytes, (b) => (b % 36).toString(36)).join("");
}
