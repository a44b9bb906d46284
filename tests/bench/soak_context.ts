// What the soak's product loads share: the app's address, the sandbox, signed callers (Mini App
// initData, admin session), a record of every failure by product, and the tokens that let each
// expected reply be found at the end in the sandbox's chats.
import type { Sandbox } from "../../web/sandbox/sandbox.ts";
import { signInitData, type WebAppUser } from "../../web/telegram/init_data.ts";
import { adminHeaders } from "../support/admin.ts";

export interface SoakContext {
  sandbox: Sandbox;
  /** The app's base URL. */
  app: string;
  adminId: number;
  sessionSecret: string;
  forumId: number;
  failures: Failures;
  /** Requests the loads made to the app's HTTP API (Mini App, widget, admin). */
  requests: { count: number };
}

/** Failures by product, with the first few messages of each kind kept as examples. */
export class Failures {
  readonly counts = new Map<string, number>();
  readonly examples: string[] = [];

  record(product: string, message: string): void {
    this.counts.set(product, (this.counts.get(product) ?? 0) + 1);
    if (this.examples.length < 20) this.examples.push(`${product}: ${message.slice(0, 300)}`);
  }

  get total(): number {
    let n = 0;
    for (const count of this.counts.values()) n += count;
    return n;
  }
}

let sequence = 0;
/** A token a reply carries back ("[m-12]"), so the check at the end finds it in a chat. */
export const token = (kind: string) => `[${kind}-${++sequence}]`;
const tokenPattern = /\[[a-z]+-\d+\]|stxsandbox\d+/g;

/** Every token the bot wrote into each chat: "<chat id>|<token>". */
export function botTokens(sandbox: Sandbox): Set<string> {
  const seen = new Set<string>();
  for (const [chatId, chat] of sandbox.chats) {
    for (const message of chat.messages) {
      if (!message.from?.is_bot) continue;
      for (const found of `${message.text ?? ""} ${message.caption ?? ""}`.matchAll(tokenPattern)) {
        seen.add(`${chatId}|${found[0]}`);
      }
    }
  }
  return seen;
}

/**
 * Calls the app's API as `product`; a non-2xx answer or a network failure is recorded and
 * answered as undefined, so a load's step simply stops there.
 */
export async function call<T = Record<string, unknown>>(
  ctx: SoakContext,
  product: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<T | undefined> {
  ctx.requests.count++;
  try {
    const response = await fetch(`${ctx.app}${path}`, {
      method,
      headers: { "content-type": "application/json", ...options.headers },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    if (!response.ok) {
      ctx.failures.record(product, `${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
      return undefined;
    }
    return (text ? JSON.parse(text) : {}) as T;
  } catch (error) {
    ctx.failures.record(product, `${method} ${path}: ${error instanceof Error ? error.message : error}`);
    return undefined;
  }
}

/** The Authorization header of a Mini App opened by this sandbox user. */
export async function miniApp(ctx: SoakContext, user: WebAppUser): Promise<Record<string, string>> {
  const initData = await signInitData(ctx.sandbox.token, { user, authDate: new Date() });
  return { authorization: `tma ${initData}` };
}

/** Headers of a signed admin session (cookie and CSRF token). */
export const admin = (ctx: SoakContext) => adminHeaders(ctx.sessionSecret, ctx.adminId);

/** /start from a sandbox user, as Telegram sends it. */
export function sendStart(sandbox: Sandbox, userId: number): void {
  sandbox.userSends(userId, { text: "/start", entities: [{ type: "bot_command", offset: 0, length: 6 }] });
}
