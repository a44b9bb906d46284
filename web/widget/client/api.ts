/// <reference lib="dom" />
// The widget's side of the HTTP contract (/api/widget, see the support desk's README section):
// a bearer token on every call, `?token=` where headers cannot go (EventSource, <img>), and the
// server's messages mapped onto what the widget shows.
import type { Attachment, ChatMessage, SessionStatus } from "./types.ts";

export interface ServerMessage {
  id: number;
  cursor: number;
  from: "visitor" | "agent" | "system";
  text: string | null;
  attachment: { id: string; name: string; type: string; size: number | null; url: string } | null;
  agentName: string | null;
  clientMessageId: string | null;
  at: string;
  editedAt: string | null;
  deleted: boolean;
}

export interface SessionAnswer {
  token: string;
  visitorId: string;
  status: "new" | SessionStatus;
  cursor: number;
  readUpTo: number;
  visitor: { name: string | null; email: string | null; number: number | null };
}

export interface Changes {
  messages: ChatMessage[];
  cursor: number;
  status?: "new" | SessionStatus;
  readUpTo?: number;
  typing?: boolean;
}

export class WidgetApiError extends Error {
  constructor(readonly status: number, message: string, readonly code?: string, readonly retryAfterMs?: number) {
    super(message);
    this.name = "WidgetApiError";
  }
}

/** What the visitor's first messages tell support about them (the topic's client card). */
export interface VisitorContext {
  name?: string;
  email?: string;
  page?: string;
  language?: "ru" | "en";
  browser?: string;
  timeZone?: string;
}

export class WidgetApi {
  token?: string;

  constructor(readonly base: string, readonly site: string) {}

  async session(visitorId?: string, token?: string): Promise<SessionAnswer> {
    const answer = await this.#call<SessionAnswer>("POST", "/session", { site: this.site, visitorId, token });
    this.token = answer.token;
    return answer;
  }

  /** Every change after `cursor`, following `more` so one call catches up fully. */
  async changes(cursor: number, path = "/messages"): Promise<Changes> {
    let messages: ChatMessage[] = [];
    let answer: {
      messages: ServerMessage[];
      cursor: number;
      status: SessionAnswer["status"];
      readUpTo: number;
      typing: boolean;
      more: boolean;
    };
    // Bounded: a history of 20 pages is read in the background by the next rounds.
    for (let page = 0; page < 20; page++) {
      answer = await this.#call("GET", `${path}?after=${cursor}&limit=200`);
      messages = messages.concat(answer.messages.map((m) => this.toMessage(m)));
      cursor = Math.max(cursor, answer.cursor);
      if (!answer.more) break;
    }
    return { messages, cursor, status: answer!.status, readUpTo: answer!.readUpTo, typing: answer!.typing };
  }

  send(body: { clientMessageId: string; text?: string; attachmentId?: string } & VisitorContext) {
    return this.#call<{ message: ServerMessage; duplicate: boolean }>("POST", "/messages", body);
  }

  upload(file: File): Promise<{ attachment: { id: string; name: string; type: string; size: number } }> {
    const form = new FormData();
    form.append("file", file, file.name);
    return this.#call("POST", "/attachments", form);
  }

  typing(): Promise<unknown> {
    return this.#call("POST", "/typing", {});
  }

  read(upTo: number): Promise<{ readUpTo: number }> {
    return this.#call("POST", "/read", { upTo });
  }

  eventsUrl(cursor: number): string {
    return `${this.base}/api/widget/events?token=${encodeURIComponent(this.token ?? "")}&after=${cursor}`;
  }

  toMessage(m: ServerMessage): ChatMessage {
    return {
      id: m.id,
      from: m.from,
      author: m.agentName ?? undefined,
      text: m.text ?? "",
      at: m.at,
      edited: m.editedAt !== null,
      deleted: m.deleted,
      clientId: m.clientMessageId ?? undefined,
      attachment: m.attachment ? this.#attachment(m.attachment) : undefined,
    };
  }

  #attachment(a: NonNullable<ServerMessage["attachment"]>): Attachment {
    const url = new URL(a.url, this.base);
    url.searchParams.set("token", this.token ?? "");
    return {
      kind: a.type.startsWith("image/") ? "image" : "document",
      name: a.name,
      mime: a.type,
      size: a.size ?? 0,
      url: url.href,
    };
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T & { ok: true }> {
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined && !(body instanceof FormData)) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(`${this.base}/api/widget${path}`, {
        method,
        headers,
        body: body instanceof FormData ? body : body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit",
      });
    } catch {
      throw new WidgetApiError(0, "the support server cannot be reached");
    }
    const answer = await response.json().catch(() => undefined);
    if (!response.ok || answer?.ok !== true) {
      throw new WidgetApiError(
        response.status,
        answer?.error ?? `${response.status} ${response.statusText}`,
        answer?.code,
        answer?.retryAfterMs,
      );
    }
    return answer;
  }
}
