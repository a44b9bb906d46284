// The shapes the widget shows; api.ts maps the server's answers onto them.

export type Author = "visitor" | "agent" | "system";

export interface Attachment {
  kind: "image" | "document";
  name: string;
  mime: string;
  size: number;
  /** Where the file is fetched from, already carrying whatever access the server asks for. */
  url: string;
}

export interface ChatMessage {
  /** The server's id; messages sort by it and a message seen twice is the same message. */
  id: number;
  from: Author;
  /** The agent's name, when support shows it. */
  author?: string;
  text: string;
  attachment?: Attachment;
  /** ISO time the server stored it. */
  at: string;
  edited?: boolean;
  deleted?: boolean;
  /** Set by the tab that sent it, so the optimistic copy is replaced rather than doubled. */
  clientId?: string;
  /** Only on optimistic copies not yet confirmed by the server. */
  pending?: "sending" | "failed";
}

export type SessionStatus = "open" | "closed";

export type FeedMode = "connecting" | "live" | "polling" | "offline";
