// The conversation as the widget sees it, folded from the session's own stream (texts stay sealed
// in the log, never copied to a read model). A message's cursor is the stream version of its last
// change (posted, edited, deleted), so "everything changed after cursor N" resumes without losing
// or repeating anything, whether over SSE or polling.
import type { EventStore, RecordedEvent } from "../../events/store.ts";
import type { Attachment, Sender } from "../../events/support.ts";

export interface WidgetAttachment {
  id: string;
  name: string;
  type: string;
  size: number | null;
  url: string;
}

export interface WidgetMessage {
  id: number;
  cursor: number;
  from: Sender;
  text: string | null;
  attachment: WidgetAttachment | null;
  agentName: string | null;
  clientMessageId: string | null;
  at: string;
  editedAt: string | null;
  deleted: boolean;
}

export interface Conversation {
  exists: boolean;
  status: "new" | "open" | "closed";
  /** The stream's version: the highest cursor there is. */
  version: number;
  /** The cursor of the last status change (closed, reopened). */
  statusCursor: number;
  readUpTo: number;
  messages: WidgetMessage[];
  /** Every attachment by id, with Telegram's file id for those that came from the topic. */
  attachments: Map<string, Attachment>;
}

export const attachmentUrl = (id: string) => `/api/widget/attachments/${id}`;

const at = (event: RecordedEvent) =>
  typeof event.metadata.at === "string" ? event.metadata.at : event.createdAt.toISOString();

export function foldConversation(events: readonly RecordedEvent[]): Conversation {
  const bySeq = new Map<number, WidgetMessage>();
  const attachments = new Map<string, Attachment>();
  const conversation: Conversation = {
    exists: false,
    status: "new",
    version: 0,
    statusCursor: 0,
    readUpTo: 0,
    messages: [],
    attachments,
  };
  for (const event of events) {
    conversation.version = event.streamVersion;
    const d = event.data as Record<string, unknown>;
    switch (event.type) {
      case "SupportSessionStarted":
        conversation.exists = true;
        conversation.status = "open";
        break;
      case "SupportMessagePosted": {
        const attachment = d.attachment as Attachment | null;
        if (attachment) attachments.set(attachment.id, attachment);
        bySeq.set(d.seq as number, {
          id: d.seq as number,
          cursor: event.streamVersion,
          from: d.from as Sender,
          text: d.text as string | null,
          attachment: attachment &&
            {
              id: attachment.id,
              name: attachment.name,
              type: attachment.type,
              size: attachment.size,
              url: attachmentUrl(attachment.id),
            },
          agentName: d.agentName as string | null,
          clientMessageId: d.clientMessageId as string | null,
          at: (d.at as string | undefined) ?? at(event),
          editedAt: null,
          deleted: false,
        });
        break;
      }
      case "SupportMessageEdited": {
        const message = bySeq.get(d.seq as number);
        if (message) Object.assign(message, { text: d.text, editedAt: at(event), cursor: event.streamVersion });
        break;
      }
      case "SupportMessageDeleted": {
        const message = bySeq.get(d.seq as number);
        if (message) {
          Object.assign(message, { text: null, attachment: null, deleted: true, cursor: event.streamVersion });
        }
        break;
      }
      case "SupportSessionClosed":
        conversation.status = "closed";
        conversation.statusCursor = event.streamVersion;
        break;
      case "SupportSessionReopened":
        conversation.status = "open";
        conversation.statusCursor = event.streamVersion;
        break;
      case "SupportVisitorRead":
        conversation.readUpTo = d.upTo as number;
        break;
    }
  }
  conversation.messages = [...bySeq.values()].sort((a, b) => a.cursor - b.cursor);
  return conversation;
}

export async function loadConversation(store: EventStore, sessionId: string): Promise<Conversation> {
  return foldConversation(await store.readStream(`support_session-${sessionId}`));
}

/** Messages changed after a cursor, oldest change first, at most limit (more: call again). */
export function changesAfter(conversation: Conversation, after: number, limit: number) {
  const changed = conversation.messages.filter((m) => m.cursor > after);
  const page = changed.slice(0, limit);
  return {
    messages: page,
    more: changed.length > limit,
    cursor: page.length > 0 ? page[page.length - 1].cursor : Math.max(after, 0),
  };
}
