// The widget's client logic outside the browser: the thread (dedupe by id, edits, optimistic
// copies matched by client id, unread), the language and attachment checks, and the feed's
// switch between SSE and polling against a real SSE server (Deno has EventSource).
import { assert, assertEquals } from "@std/assert";
import { addPending, emptyThread, markFailed, mergeMessages, unreadCount } from "../web/widget/client/thread.ts";
import { pickLanguage } from "../web/widget/client/i18n.ts";
import { checkAttachment, maxAttachmentBytes } from "../web/widget/client/attachments.ts";
import { Feed } from "../web/widget/client/feed.ts";
import type { ChatMessage, FeedMode } from "../web/widget/client/types.ts";
import { waitFor } from "./support/wait.ts";

const at = "2026-01-01T10:00:00.000Z";
const agent = (id: number, text = `answer ${id}`): ChatMessage => ({ id, from: "agent", text, at });
const mine = (id: number, clientId: string, text = "hi"): ChatMessage => ({ id, from: "visitor", text, at, clientId });

Deno.test("widget thread: a message seen twice (SSE and polling, or another tab) shows once", () => {
  let thread = mergeMessages(emptyThread, [agent(1), agent(2)], 2);
  const same = mergeMessages(thread, [agent(2), agent(1)], 2);
  assertEquals(same, thread, "nothing changed: the same object, no render");
  thread = mergeMessages(thread, [agent(3), agent(2)], 3);
  assertEquals(thread.messages.map((m) => m.id), [1, 2, 3]);
  assertEquals(thread.cursor, 3);
});

Deno.test("widget thread: an edited or deleted copy replaces the old one; the cursor never goes back", () => {
  let thread = mergeMessages(emptyThread, [agent(1), agent(2)], 5);
  thread = mergeMessages(thread, [{ ...agent(1, "fixed"), edited: true }], 6);
  thread = mergeMessages(thread, [{ ...agent(2), deleted: true }], 4);
  assertEquals(thread.messages.map((m) => [m.id, m.text, !!m.edited, !!m.deleted]), [
    [1, "fixed", true, false],
    [2, "answer 2", false, true],
  ]);
  assertEquals(thread.cursor, 6);
});

Deno.test("widget thread: the optimistic copy gives way to the server's, whichever comes first", () => {
  let thread = addPending(emptyThread, { id: 0, from: "visitor", text: "hi", at, clientId: "c1" });
  assertEquals(thread.pending.map((m) => m.pending), ["sending"]);
  thread = mergeMessages(thread, [mine(7, "c1")]);
  assertEquals(thread.pending, []);
  assertEquals(thread.messages.map((m) => m.id), [7]);
  assertEquals(thread.cursor, 0, "a send's answer does not move the cursor: earlier changes may be on their way");
  // Another tab's pending copy arriving after the confirmation is ignored.
  assertEquals(addPending(thread, { id: 0, from: "visitor", text: "hi", at, clientId: "c1" }), thread);
  // A failed one stays, marked, for a retry under the same client id.
  thread = markFailed(addPending(thread, { id: 0, from: "visitor", text: "again", at, clientId: "c2" }), "c2");
  assertEquals(thread.pending.map((m) => [m.clientId, m.pending]), [["c2", "failed"]]);
});

Deno.test("widget thread: unread counts answers after the read mark, not the visitor's own or deleted ones", () => {
  const thread = mergeMessages(emptyThread, [agent(1), mine(2, "a"), agent(3), { ...agent(4), deleted: true }], 4);
  assertEquals(unreadCount(thread, 0), 2);
  assertEquals(unreadCount(thread, 1), 1);
  assertEquals(unreadCount(thread, 3), 0);
});

Deno.test("widget language: data-lang first, then the first browser language we speak, else English", () => {
  assertEquals(pickLanguage(undefined, ["ru-RU", "en"]), "ru");
  assertEquals(pickLanguage(undefined, ["de-DE", "en-US", "ru"]), "en");
  assertEquals(pickLanguage(undefined, ["de-DE", "ru"]), "ru");
  assertEquals(pickLanguage("en", ["ru-RU"]), "en");
  assertEquals(pickLanguage(undefined, ["fr"]), "en");
});

Deno.test("widget attachments: images and PDF up to 10 MB, nothing else", () => {
  assertEquals(checkAttachment({ type: "image/png", size: 1000 }), undefined);
  assertEquals(checkAttachment({ type: "application/pdf", size: maxAttachmentBytes }), undefined);
  assertEquals(checkAttachment({ type: "application/pdf", size: maxAttachmentBytes + 1 }), "tooBig");
  assertEquals(checkAttachment({ type: "application/zip", size: 10 }), "badType");
  assertEquals(checkAttachment({ type: "", size: 10 }), "badType");
});

/** A change log with an SSE endpoint that can be switched off (503) and a polling endpoint. */
function changeServer() {
  const log: ChatMessage[] = [];
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  let sseBlocked = false;
  let polls = 0;
  const encode = (m: ChatMessage) =>
    new TextEncoder().encode(`id: ${m.id}\nevent: message\ndata: ${JSON.stringify(m)}\n\n`);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const url = new URL(request.url);
    const after = Number(request.headers.get("last-event-id") ?? url.searchParams.get("after") ?? 0);
    if (url.pathname === "/events") {
      if (sseBlocked) return new Response("blocked", { status: 503 });
      let mine: ReadableStreamDefaultController<Uint8Array>;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          mine = controller;
          streams.add(controller);
          for (const m of log.filter((m) => m.id > after)) controller.enqueue(encode(m));
        },
        cancel: () => void streams.delete(mine),
      });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    }
    polls++;
    const messages = log.filter((m) => m.id > after);
    return Response.json({ messages, cursor: Math.max(after, ...messages.map((m) => m.id)) });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    get polls() {
      return polls;
    },
    add(message: ChatMessage) {
      log.push(message);
      for (const stream of streams) stream.enqueue(encode(message));
    },
    block(blocked: boolean) {
      sseBlocked = blocked;
      if (blocked) { for (const stream of streams) stream.error(new Error("cut")); }
      if (blocked) streams.clear();
    },
    stop: () => server.shutdown(),
  };
}

Deno.test({
  name: "widget feed: SSE, then polling while SSE is refused, then SSE again; nothing lost, nothing doubled",
  sanitizeResources: false,
  fn: async () => {
    const server = changeServer();
    let thread = emptyThread;
    const modes: FeedMode[] = [];
    let received = 0;
    type Update = { messages: ChatMessage[]; cursor: number };
    const feed = new Feed<Update>(
      {
        streamUrl: (cursor) => `${server.url}/events?after=${cursor}`,
        streamEvents: {
          message: (data) => {
            const message = JSON.parse(data) as ChatMessage;
            return { messages: [message], cursor: message.id };
          },
        },
        poll: async (cursor) => (await fetch(`${server.url}/poll?after=${cursor}`)).json(),
      },
      () => thread.cursor,
      (update) => {
        received += update.messages.length;
        thread = mergeMessages(thread, update.messages, update.cursor);
      },
      (mode) => modes.push(mode),
      { pollMs: 100, retryMs: 400, openTimeoutMs: 1000 },
    );
    try {
      server.add(agent(1));
      feed.start();
      await waitFor(() => feed.mode === "live" && thread.messages.length === 1);
      server.add(agent(2));
      await waitFor(() => thread.messages.length === 2);
      const pollsWhileLive = server.polls;

      server.block(true);
      await waitFor(() => feed.mode === "polling");
      server.add(agent(3));
      server.add(agent(4));
      await waitFor(() => thread.messages.length === 4);
      assert(server.polls > pollsWhileLive, "the answers came by polling");

      server.block(false);
      await waitFor(() => feed.mode === "live", "SSE back", 5000);
      const pollsAfterSwitch = server.polls;
      server.add(agent(5));
      await waitFor(() => thread.messages.length === 5);
      await new Promise((r) => setTimeout(r, 300));
      assertEquals(server.polls, pollsAfterSwitch, "polling stops once SSE is back");
      assertEquals(thread.messages.map((m) => m.id), [1, 2, 3, 4, 5]);
      assert(received >= 5);
      assertEquals(modes.filter((m, i) => m !== modes[i - 1]).slice(0, 3), ["live", "polling", "live"]);
    } finally {
      feed.stop();
      await server.stop();
    }
  },
});
