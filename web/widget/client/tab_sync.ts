/// <reference lib="dom" />
// Tabs of one site share what they learn: a message one tab received or sent shows in the others
// at once, whichever of them the server reached first. BroadcastChannel where there is one, the
// storage event otherwise.
import type { ChatMessage } from "./types.ts";

export type TabNews =
  | { kind: "messages"; messages: ChatMessage[]; cursor: number }
  | { kind: "status"; status: "open" | "closed" }
  | { kind: "session"; token: string };

export interface TabBus {
  post(news: TabNews): void;
  close(): void;
}

export function openTabBus(name: string, onNews: (news: TabNews) => void): TabBus {
  if (typeof BroadcastChannel === "function") {
    const channel = new BroadcastChannel(name);
    channel.onmessage = (event: MessageEvent<TabNews>) => onNews(event.data);
    return { post: (news) => channel.postMessage(news), close: () => channel.close() };
  }
  const key = `${name}:bus`;
  const listener = (event: StorageEvent) => {
    if (event.key !== key || !event.newValue) return;
    try {
      onNews(JSON.parse(event.newValue).news);
    } catch {
      // another script's value under our key: not ours to read
    }
  };
  addEventListener("storage", listener);
  return {
    post(news) {
      try {
        // A nonce makes equal news twice a change, so the event fires both times.
        localStorage.setItem(key, JSON.stringify({ news, nonce: Math.random() }));
      } catch {
        // no storage: this tab keeps its own view
      }
    },
    close: () => removeEventListener("storage", listener),
  };
}
