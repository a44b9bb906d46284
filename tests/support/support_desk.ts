// The support widget's HTTP API as a test drives it with fetch: a visitor's session, sends,
// uploads, polling, and a server-sent events reader that collects what the stream delivers.
import type { WidgetMessage } from "../../web/support/view.ts";

export interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

export class WidgetVisitor {
  token = "";
  visitorId = "";
  sessionId = "";
  #n = 0;

  constructor(readonly base: string, readonly site: string, readonly origin?: string) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      ...(this.origin ? { origin: this.origin } : {}),
      ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      ...extra,
    };
  }

  async request(path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${this.base}/api/widget${path}`, {
      ...init,
      headers: {
        ...this.headers(init.body && typeof init.body === "string" ? { "content-type": "application/json" } : {}),
        ...init.headers as Record<string, string>,
      },
    });
    return { status: response.status, body: await response.json() };
  }

  async start(token?: string): Promise<Record<string, unknown>> {
    const { status, body } = await this.request("/session", {
      method: "POST",
      body: JSON.stringify({ site: this.site, ...(token ? { token } : {}) }),
    });
    if (status !== 200) throw new Error(`session: ${status} ${JSON.stringify(body)}`);
    this.token = body.token as string;
    this.visitorId = body.visitorId as string;
    this.sessionId = body.sessionId as string;
    return body;
  }

  send(text: string, extra: Record<string, unknown> = {}) {
    return this.request("/messages", {
      method: "POST",
      body: JSON.stringify({ clientMessageId: `c${++this.#n}-${crypto.randomUUID()}`, text, ...extra }),
    });
  }

  async poll(after = 0): Promise<{ messages: WidgetMessage[]; cursor: number; status: string }> {
    const { status, body } = await this.request(`/poll?after=${after}`);
    if (status !== 200) throw new Error(`poll: ${status} ${JSON.stringify(body)}`);
    return body as unknown as { messages: WidgetMessage[]; cursor: number; status: string };
  }

  /** Opens the SSE stream (resuming after a cursor); events collect in `events`. */
  stream(after?: number, lastEventId?: string): SseReader {
    return new SseReader(
      `${this.base}/api/widget/events?token=${encodeURIComponent(this.token)}${
        after !== undefined ? `&after=${after}` : ""
      }`,
      { ...(this.origin ? { origin: this.origin } : {}), ...(lastEventId ? { "last-event-id": lastEventId } : {}) },
    );
  }
}

export class SseReader {
  readonly events: SseEvent[] = [];
  readonly #abort = new AbortController();
  readonly #done: Promise<void>;
  #listeners = new Set<() => void>();
  status = 0;

  constructor(url: string, headers: Record<string, string>) {
    this.#done = (async () => {
      try {
        const response = await fetch(url, { headers, signal: this.#abort.signal });
        this.status = response.status;
        if (!response.body) return;
        let buffer = "";
        for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
          buffer += chunk;
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event: SseEvent = { event: "message", data: "" };
            for (const line of block.split("\n")) {
              if (line.startsWith("event:")) event.event = line.slice(6).trim();
              else if (line.startsWith("id:")) event.id = line.slice(3).trim();
              else if (line.startsWith("data:")) event.data += line.slice(5).trim();
            }
            if (block.split("\n").every((l) => l.startsWith(":"))) continue;
            this.events.push(event);
            for (const listener of this.#listeners) listener();
          }
        }
      } catch (error) {
        if (!(error instanceof DOMException && error.name === "AbortError")) throw error;
      }
    })().catch(() => {});
  }

  /** Messages received so far (latest version of each id). */
  get messages(): WidgetMessage[] {
    const byId = new Map<number, WidgetMessage>();
    for (const e of this.events) {
      if (e.event === "message") {
        const m = JSON.parse(e.data) as WidgetMessage;
        byId.set(m.id, m);
      }
    }
    return [...byId.values()].sort((a, b) => a.id - b.id);
  }

  /** Waits for an event that satisfies the predicate; returns it. */
  waitFor(predicate: (event: SseEvent) => boolean, timeoutMs = 5000, what = "an SSE event"): Promise<SseEvent> {
    const found = this.events.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const listener = () => {
        const hit = this.events.find(predicate);
        if (!hit) return;
        clearTimeout(timer);
        this.#listeners.delete(listener);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(listener);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(this.events)}`));
      }, timeoutMs);
      this.#listeners.add(listener);
    });
  }

  waitForMessage(
    predicate: (m: WidgetMessage) => boolean,
    timeoutMs = 5000,
    what = "a message",
  ): Promise<WidgetMessage> {
    return this.waitFor((e) => e.event === "message" && predicate(JSON.parse(e.data)), timeoutMs, what)
      .then((e) => JSON.parse(e.data));
  }

  async close(): Promise<void> {
    this.#abort.abort();
    await this.#done;
  }
}
