// A mailing (stream broadcast-<mailingId>): composed, scheduled or started, its recipients frozen
// in pages at the start, then delivered in claimed chunks. Claims go strictly in order and each
// is written before its first send, so no recipient is ever claimed twice: that is what makes a
// resend after a crash impossible. A claim may carry the outcomes of earlier chunks, so a busy
// mailing records them in the same append. Pause, resume and cancel act between chunks.
import { defineActor, reject, type Rejection } from "./decider.ts";
import {
  type AudienceFilter,
  audienceFilter,
  type MailingContent,
  mailingContent,
  type MailingEvent,
} from "../events/broadcast.ts";
import { cancelTimer, scheduleTimer, type TimerEvent } from "../events/timers.ts";
import type { Language } from "../events/telegram.ts";

export type MailingStatus =
  | "none"
  | "draft"
  | "scheduled"
  | "starting"
  | "sending"
  | "paused"
  | "cancelled"
  | "completed"
  | "failed";

export interface MailingCounts {
  sent: number;
  blocked: number;
  failed: number;
  skipped: number;
  inDoubt: number;
}

export interface MailingState {
  status: MailingStatus;
  mailingId: string;
  adminId: number;
  content: MailingContent | null;
  audience: { audienceId: string | null; filter: AudienceFilter };
  paid: boolean;
  scheduledAt: string | null;
  overrideLimit: boolean;
  maxAudience: number;
  /** Where a paused mailing goes back to. */
  pausedFrom: "starting" | "sending" | null;
  sealed: boolean;
  total: number;
  lastUserId: number;
  /** Recipients before this index are claimed. */
  cursor: number;
  nextChunk: number;
  /** Claimed chunks without an outcome: [from, to). */
  open: Record<number, [number, number]>;
  counts: MailingCounts;
  reason: string | null;
}

/** What one claimed chunk came to. */
export interface ChunkOutcome {
  chunk: number;
  sent: number[];
  blocked: number[];
  failed: { userId: number; errorCode: number; description: string }[];
  skipped: number[];
}

export type MailingCommand =
  | {
    type: "create";
    mailingId: string;
    adminId: number;
    content: unknown;
    audience: { audienceId: string | null; filter: unknown };
    paid: boolean;
    paidAllowed: boolean;
  }
  | {
    type: "edit";
    content: unknown;
    audience: { audienceId: string | null; filter: unknown };
    paid: boolean;
    paidAllowed: boolean;
  }
  /** audienceSize: the live count now, checked against maxAudience unless overridden. */
  | {
    type: "schedule";
    at: string;
    overrideLimit: boolean;
    audienceSize: number;
    maxAudience: number;
    cooldownMs: number;
  }
  | { type: "unschedule" }
  | { type: "start"; overrideLimit: boolean; maxAudience: number }
  | { type: "addRecipients"; recipients: [number, Language][] }
  | { type: "seal" }
  /** outcomes: chunks finished meanwhile, recorded before the claim (all or nothing). */
  | { type: "claim"; size: number; outcomes?: ChunkOutcome[] }
  | ({ type: "record" } & ChunkOutcome)
  | { type: "inDoubt"; chunk: number; userIds: number[] }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "cancel" }
  | { type: "fail"; reason: string };

export type MailingRejection =
  | "invalid"
  | "not_found"
  | "exists"
  | "paid_disabled"
  | "not_editable"
  | "in_past"
  | "too_large"
  | "not_scheduled"
  | "not_startable"
  | "not_sending"
  | "out_of_order"
  | "unknown_chunk"
  | "not_pausable"
  | "not_paused"
  | "finished";

const zeroCounts = (): MailingCounts => ({ sent: 0, blocked: 0, failed: 0, skipped: 0, inDoubt: 0 });

export const mailingTimerId = (mailingId: string) => `broadcast:${mailingId}`;

function initialState(): MailingState {
  return {
    status: "none",
    mailingId: "",
    adminId: 0,
    content: null,
    audience: { audienceId: null, filter: {} },
    paid: false,
    scheduledAt: null,
    overrideLimit: false,
    maxAudience: 0,
    pausedFrom: null,
    sealed: false,
    total: 0,
    lastUserId: 0,
    cursor: 0,
    nextChunk: 0,
    open: {},
    counts: zeroCounts(),
    reason: null,
  };
}

/** The recipient index range a chunk closes, and the state without it. */
function close(state: MailingState, chunk: number): MailingState {
  const { [chunk]: _, ...open } = state.open;
  return { ...state, open };
}

function evolve(state: MailingState, event: MailingEvent | TimerEvent): MailingState {
  switch (event.type) {
    case "BroadcastCreated": {
      const d = event.data;
      return {
        ...initialState(),
        status: "draft",
        mailingId: d.mailingId,
        adminId: d.adminId,
        content: d.content,
        audience: d.audience,
        paid: d.paid,
      };
    }
    case "BroadcastEdited":
      return { ...state, content: event.data.content, audience: event.data.audience, paid: event.data.paid };
    case "BroadcastScheduled":
      return { ...state, status: "scheduled", scheduledAt: event.data.at, overrideLimit: event.data.overrideLimit };
    case "BroadcastUnscheduled":
      return { ...state, status: "draft", scheduledAt: null };
    case "BroadcastStarted":
      return {
        ...state,
        status: "starting",
        overrideLimit: event.data.overrideLimit,
        maxAudience: event.data.maxAudience,
      };
    case "BroadcastRecipientsAdded": {
      const list = event.data.recipients;
      return { ...state, total: state.total + list.length, lastUserId: list.at(-1)?.[0] ?? state.lastUserId };
    }
    case "BroadcastRecipientsSealed":
      return {
        ...state,
        sealed: true,
        status: state.status === "starting" ? "sending" : state.status,
        pausedFrom: state.pausedFrom === "starting" ? "sending" : state.pausedFrom,
      };
    case "BroadcastChunkClaimed":
      return {
        ...state,
        cursor: event.data.to,
        nextChunk: event.data.chunk + 1,
        open: { ...state.open, [event.data.chunk]: [event.data.from, event.data.to] },
      };
    case "BroadcastChunkRecorded": {
      const d = event.data;
      const c = state.counts;
      return {
        ...close(state, d.chunk),
        counts: {
          ...c,
          sent: c.sent + d.sent.length,
          blocked: c.blocked + d.blocked.length,
          failed: c.failed + d.failed.length,
          skipped: c.skipped + d.skipped.length,
        },
      };
    }
    case "BroadcastChunkInDoubt":
      return {
        ...close(state, event.data.chunk),
        counts: { ...state.counts, inDoubt: state.counts.inDoubt + event.data.userIds.length },
      };
    case "BroadcastPaused":
      return { ...state, status: "paused", pausedFrom: state.status === "starting" ? "starting" : "sending" };
    case "BroadcastResumed":
      return { ...state, status: state.pausedFrom ?? "sending", pausedFrom: null };
    case "BroadcastCancelled":
      return { ...state, status: "cancelled", scheduledAt: null };
    case "BroadcastCompleted":
      return { ...state, status: "completed" };
    case "BroadcastFailed":
      return { ...state, status: "failed", reason: event.data.reason };
    case "TimerScheduled":
    case "TimerCancelled":
      return state;
  }
}

const live = new Set<MailingStatus>(["starting", "sending", "paused"]);
const finished = new Set<MailingStatus>(["cancelled", "completed", "failed"]);

/** Completed once every recipient is sealed, claimed and accounted for. */
function completion(state: MailingState): MailingEvent[] {
  const done = state.sealed && state.cursor === state.total && Object.keys(state.open).length === 0;
  return done && live.has(state.status) ? [{ type: "BroadcastCompleted", data: { mailingId: state.mailingId } }] : [];
}

function checkDraft(
  command: { content: unknown; audience: { audienceId: string | null; filter: unknown }; paid: boolean },
  paidAllowed: boolean,
) {
  const content = mailingContent.safeParse(command.content);
  if (!content.success) {
    const issue = content.error.issues[0];
    return reject("invalid", `content.${issue.path.join(".")}: ${issue.message}`);
  }
  const filter = audienceFilter.safeParse(command.audience.filter);
  if (!filter.success) {
    const issue = filter.error.issues[0];
    return reject("invalid", `audience.${issue.path.join(".")}: ${issue.message}`);
  }
  if (command.paid && !paidAllowed) {
    return reject("paid_disabled", "paid broadcasts are not enabled (BROADCAST_PAID_ENABLED)");
  }
  return { content: content.data, audience: { audienceId: command.audience.audienceId, filter: filter.data } };
}

const tooLarge = (size: number, max: number) =>
  reject(
    "too_large",
    `the audience has ${size} subscribers, above the limit of ${max}: confirm the override to send anyway`,
  );

function decide(
  command: MailingCommand,
  state: MailingState,
  { now }: { now: Date },
): (MailingEvent | TimerEvent)[] | Rejection<MailingRejection> {
  const mailingId = state.mailingId;
  if (command.type === "create") {
    if (state.status !== "none") return reject("exists", "this mailing exists already");
    const checked = checkDraft(command, command.paidAllowed);
    if ("rejected" in checked) return checked;
    return [{
      type: "BroadcastCreated",
      data: { mailingId: command.mailingId, adminId: command.adminId, ...checked, paid: command.paid },
    }];
  }
  if (state.status === "none") return reject("not_found", "no such mailing");
  switch (command.type) {
    case "edit": {
      if (state.status !== "draft" && state.status !== "scheduled") {
        return reject("not_editable", "only a draft or a scheduled mailing can be edited");
      }
      const checked = checkDraft(command, command.paidAllowed);
      if ("rejected" in checked) return checked;
      return [{ type: "BroadcastEdited", data: { mailingId, ...checked, paid: command.paid } }];
    }
    case "schedule": {
      if (state.status !== "draft" && state.status !== "scheduled") {
        return reject("not_editable", "only a draft or a scheduled mailing can be scheduled");
      }
      const at = new Date(command.at);
      if (Number.isNaN(at.getTime()) || at <= now) return reject("in_past", "the time must be in the future");
      if (command.audienceSize > command.maxAudience && !command.overrideLimit) {
        return tooLarge(command.audienceSize, command.maxAudience);
      }
      return [
        { type: "BroadcastScheduled", data: { mailingId, at: at.toISOString(), overrideLimit: command.overrideLimit } },
        scheduleTimer({
          timerId: mailingTimerId(mailingId),
          dueAt: at,
          target: { kind: "broadcast_desk", id: String(state.adminId) },
          command: {
            type: "begin",
            adminId: state.adminId,
            mailingId,
            overrideLimit: command.overrideLimit,
            cooldownMs: command.cooldownMs,
            scheduled: true,
          },
        }),
      ];
    }
    case "unschedule":
      if (state.status !== "scheduled") return reject("not_scheduled", "the mailing is not scheduled");
      return [{ type: "BroadcastUnscheduled", data: { mailingId } }, cancelTimer(mailingTimerId(mailingId))];
    case "start": {
      if (state.status !== "draft" && state.status !== "scheduled") {
        return reject("not_startable", `a ${state.status} mailing cannot be started`);
      }
      const started: MailingEvent = {
        type: "BroadcastStarted",
        data: {
          mailingId,
          overrideLimit: command.overrideLimit || state.overrideLimit,
          maxAudience: command.maxAudience,
        },
      };
      return state.status === "scheduled" ? [started, cancelTimer(mailingTimerId(mailingId))] : [started];
    }
    case "addRecipients": {
      if (state.sealed || !live.has(state.status)) return reject("not_sending", "recipients are fixed already");
      const ids = command.recipients.map(([id]) => id);
      const ascending = ids.every((id, i) => id > (i === 0 ? state.lastUserId : ids[i - 1]));
      if (!ascending) return reject("out_of_order", "recipients must come in ascending order, each once");
      if (ids.length === 0) return [];
      return [{
        type: "BroadcastRecipientsAdded",
        data: { mailingId, from: state.total, recipients: command.recipients },
      }];
    }
    case "seal": {
      if (state.sealed || !live.has(state.status)) return [];
      const sealed: MailingEvent = { type: "BroadcastRecipientsSealed", data: { mailingId, total: state.total } };
      if (state.total > state.maxAudience && !state.overrideLimit) {
        return [sealed, {
          type: "BroadcastFailed",
          data: {
            mailingId,
            reason: `the audience has ${state.total} subscribers, above the limit of ${state.maxAudience}`,
          },
        }];
      }
      const next = evolve(state, sealed);
      return [sealed, ...completion(next)];
    }
    case "claim": {
      const recorded: MailingEvent[] = [];
      let next = state;
      for (const outcome of command.outcomes ?? []) {
        if (!next.open[outcome.chunk]) return reject("unknown_chunk", `chunk ${outcome.chunk} is not open`);
        const event: MailingEvent = { type: "BroadcastChunkRecorded", data: { mailingId, ...outcome } };
        recorded.push(event);
        next = evolve(next, event);
      }
      if (next.status !== "sending") return reject("not_sending", `the mailing is ${next.status}`);
      const to = Math.min(next.total, next.cursor + Math.max(1, command.size));
      if (to <= next.cursor) return reject("not_sending", "every recipient is claimed");
      return [
        ...recorded,
        { type: "BroadcastChunkClaimed", data: { mailingId, chunk: next.nextChunk, from: next.cursor, to } },
      ];
    }
    case "record":
    case "inDoubt": {
      if (!state.open[command.chunk]) return reject("unknown_chunk", `chunk ${command.chunk} is not open`);
      const { type: _, ...data } = command;
      const event: MailingEvent = command.type === "record"
        ? { type: "BroadcastChunkRecorded", data: { mailingId, ...(data as Omit<typeof command, "type">) } }
        : { type: "BroadcastChunkInDoubt", data: { mailingId, chunk: command.chunk, userIds: command.userIds } };
      return [event, ...completion(evolve(state, event))];
    }
    case "pause":
      if (state.status !== "starting" && state.status !== "sending") {
        return reject("not_pausable", `a ${state.status} mailing cannot be paused`);
      }
      return [{ type: "BroadcastPaused", data: { mailingId } }];
    case "resume":
      if (state.status !== "paused") return reject("not_paused", "the mailing is not paused");
      return [{ type: "BroadcastResumed", data: { mailingId } }];
    case "cancel": {
      if (finished.has(state.status)) return reject("finished", `the mailing is ${state.status} already`);
      const cancelled: MailingEvent = { type: "BroadcastCancelled", data: { mailingId } };
      return state.status === "scheduled" ? [cancelled, cancelTimer(mailingTimerId(mailingId))] : [cancelled];
    }
    case "fail":
      if (finished.has(state.status)) return [];
      return [{ type: "BroadcastFailed", data: { mailingId, reason: command.reason } }];
  }
}

export const mailingActor = defineActor({
  kind: "broadcast",
  // Progress events are many: snapshots keep activation cheap.
  snapshotEvery: 200,
  decider: { initialState, evolve, decide },
});

/** Whether a mailing is running (an admin may run one at a time). */
export const isLive = (status: MailingStatus) => live.has(status);
export const isFinished = (status: MailingStatus) => finished.has(status);
