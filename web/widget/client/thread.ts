// The conversation as the widget holds it: server messages by id (a copy seen twice, from SSE
// and polling or from another tab, is one message; a later copy is an edit), plus the
// visitor's own messages still on their way, matched to the server's copy by clientId.
import type { ChatMessage } from "./types.ts";

export interface Thread {
  /** Confirmed messages, ascending by id. */
  readonly messages: readonly ChatMessage[];
  /** Optimistic copies of the visitor's messages, in the order they were sent. */
  readonly pending: readonly ChatMessage[];
  /** Where to resume reading: the highest change position the server has handed us (not an id). */
  readonly cursor: number;
}

export const emptyThread: Thread = { messages: [], pending: [], cursor: 0 };

const same = (a: ChatMessage, b: ChatMessage) =>
  a.text === b.text && a.edited === b.edited && a.deleted === b.deleted &&
  a.attachment?.url === b.attachment?.url && a.at === b.at;

/** Folds server messages in; returns the same object when nothing changed, so views can skip a render. */
export function mergeMessages(thread: Thread, incoming: readonly ChatMessage[], cursor = 0): Thread {
  let byId: Map<number, ChatMessage> | undefined;
  let pending = thread.pending;
  for (const message of incoming) {
    const known = byId ? byId.get(message.id) : thread.messages.find((m) => m.id === message.id);
    if (known && same(known, message)) continue;
    byId ??= new Map(thread.messages.map((m) => [m.id, m]));
    byId.set(message.id, { ...message, pending: undefined });
    if (message.clientId && pending.some((p) => p.clientId === message.clientId)) {
      pending = pending.filter((p) => p.clientId !== message.clientId);
    }
  }
  const highest = Math.max(thread.cursor, cursor);
  if (!byId && pending === thread.pending && highest === thread.cursor) return thread;
  const messages = byId ? [...byId.values()].sort((a, b) => a.id - b.id) : thread.messages;
  // A confirmation may have arrived before the optimistic copy was added (another tab sent it).
  const confirmed = new Set(messages.map((m) => m.clientId).filter(Boolean));
  return { messages, pending: pending.filter((p) => !confirmed.has(p.clientId)), cursor: highest };
}

/** Adds the visitor's message before the server has it (shown greyed until confirmed). */
export function addPending(thread: Thread, message: ChatMessage): Thread {
  if (thread.messages.some((m) => m.clientId === message.clientId)) return thread;
  const others = thread.pending.filter((p) => p.clientId !== message.clientId);
  return { ...thread, pending: [...others, { ...message, pending: message.pending ?? "sending" }] };
}

export function markFailed(thread: Thread, clientId: string): Thread {
  if (!thread.pending.some((p) => p.clientId === clientId)) return thread;
  return { ...thread, pending: thread.pending.map((p) => p.clientId === clientId ? { ...p, pending: "failed" } : p) };
}

/** Agent messages after `readUpTo`: what the unread badge counts. */
export function unreadCount(thread: Thread, readUpTo: number): number {
  return thread.messages.filter((m) => m.from !== "visitor" && m.id > readUpTo && !m.deleted).length;
}

/** The newest id the visitor can have read by opening the panel now. */
export function newestId(thread: Thread): number {
  return thread.messages.at(-1)?.id ?? 0;
}
