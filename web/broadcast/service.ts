// What the console asks of broadcasts: subscribers and their tags, audiences and their live counts,
// mailings from draft to report, auto-reply rules. Each action is a command to its actor on behalf
// of "admin:<id>", so the audit log shows who did what; rules live in the deciders.
import type { Database } from "../../events/database.ts";
import type { EventStore } from "../../events/store.ts";
import type { ActorRuntime, SendResult } from "../../actors/runtime.ts";
import type { DomainEvent } from "../../actors/decider.ts";
import { mailingActor, type MailingCommand, type MailingState } from "../../actors/broadcast.ts";
import { deskActor } from "../../actors/broadcast_desk.ts";
import { audiencesActor } from "../../actors/broadcast_audiences.ts";
import { autoRepliesActor } from "../../actors/broadcast_autoreplies.ts";
import { subscriberActor } from "../../actors/broadcast_subscriber.ts";
import { type AudienceFilter, audienceFilter, newBroadcastId } from "../../events/broadcast.ts";
import type { Language } from "../../events/telegram.ts";
import type { Outbox } from "../telegram/outbox.ts";
import { t } from "../telegram/i18n.ts";
import { countAudience } from "./audience.ts";
import { mailingCall } from "./message.ts";
import { type AutoReplies, autoRepliesId } from "./auto_replies.ts";
import { runsSafely } from "./safe_regex.ts";

export interface BroadcastPolicy {
  cooldownMs: number;
  maxAudience: number;
  paidAllowed: boolean;
  ratePerSecond: number;
  paidRatePerSecond: number;
}

export type Outcome<T = Record<never, never>> =
  | ({ ok: true } & T)
  | { ok: false; code: string; message: string };

/** Who acts and under which key: the key makes a retried request change nothing twice. */
export interface AdminCause {
  adminId: number;
  key: string;
}

const refused = (code: string, message: string) => ({ ok: false as const, code, message });

function answer<T>(result: SendResult<unknown, DomainEvent, string>, value: T): Outcome<T> {
  return result.ok ? { ok: true, ...value } : refused(result.error.code, result.error.message);
}

export class BroadcastService {
  constructor(
    private readonly deps: {
      db: Database;
      store: EventStore;
      runtime: ActorRuntime;
      outbox: Outbox;
      autoReplies: AutoReplies;
      policy: BroadcastPolicy;
    },
  ) {}

  get policy(): BroadcastPolicy {
    return this.deps.policy;
  }

  #options(cause: AdminCause, step: string) {
    return { commandId: `${cause.key}:${step}`, actor: `admin:${cause.adminId}` };
  }

  // ─── subscribers ───────────────────────────────────────────────────────────

  async setTags(cause: AdminCause, userId: number, tags: unknown): Promise<Outcome> {
    const [known] = await this.deps.db.sql`select 1 from broadcast_subscribers where user_id = ${userId}`;
    if (!known) return refused("not_found", `user ${userId} is not a subscriber`);
    const result = await this.deps.runtime.actor(subscriberActor).send(
      String(userId),
      { type: "setTags", userId, tags },
      this.#options(cause, "tags"),
    );
    return answer(result, {});
  }

  // ─── audiences ─────────────────────────────────────────────────────────────

  count(filter: AudienceFilter): Promise<number> {
    return countAudience(this.deps.db.sql, filter, this.deps.runtime.clock.now());
  }

  async saveAudience(
    cause: AdminCause,
    audienceId: string | undefined,
    name: unknown,
    filter: unknown,
  ): Promise<Outcome<{ audienceId: string }>> {
    const id = audienceId ?? newBroadcastId();
    const result = await this.deps.runtime.actor(audiencesActor).send(String(cause.adminId), {
      type: "save",
      adminId: cause.adminId,
      audienceId: id,
      name,
      filter,
    }, this.#options(cause, "audience"));
    return answer(result, { audienceId: id });
  }

  async deleteAudience(cause: AdminCause, audienceId: string): Promise<Outcome> {
    const result = await this.deps.runtime.actor(audiencesActor).send(String(cause.adminId), {
      type: "delete",
      adminId: cause.adminId,
      audienceId,
    }, this.#options(cause, "audience"));
    return answer(result, {});
  }

  /** An admin's saved audience's filter, from the actor (the list's read model may trail). */
  async audienceFilterOf(adminId: number, audienceId: string): Promise<AudienceFilter | undefined> {
    const { state } = await this.deps.runtime.actor(audiencesActor).state(String(adminId));
    return state.audiences[audienceId]?.filter;
  }

  // ─── mailings ──────────────────────────────────────────────────────────────

  /** The audience a mailing names: a saved one (its filter copied now) or a filter given inline. */
  async #audience(
    adminId: number,
    audience: { audienceId?: string | null; filter?: unknown },
  ): Promise<Outcome<{ audience: { audienceId: string | null; filter: unknown } }>> {
    if (audience.audienceId) {
      const filter = await this.audienceFilterOf(adminId, audience.audienceId);
      if (!filter) return refused("not_found", `you have no audience ${audience.audienceId}`);
      return { ok: true, audience: { audienceId: audience.audienceId, filter } };
    }
    return { ok: true, audience: { audienceId: null, filter: audience.filter ?? {} } };
  }

  async create(
    cause: AdminCause,
    draft: { content: unknown; audience: { audienceId?: string | null; filter?: unknown }; paid: boolean },
  ): Promise<Outcome<{ mailingId: string }>> {
    const audience = await this.#audience(cause.adminId, draft.audience);
    if (!audience.ok) return audience;
    const mailingId = newBroadcastId();
    const result = await this.deps.runtime.actor(mailingActor).send(mailingId, {
      type: "create",
      mailingId,
      adminId: cause.adminId,
      content: draft.content,
      audience: audience.audience,
      paid: draft.paid,
      paidAllowed: this.policy.paidAllowed,
    }, this.#options(cause, "create"));
    return answer(result, { mailingId });
  }

  async edit(
    cause: AdminCause,
    mailingId: string,
    draft: { content: unknown; audience: { audienceId?: string | null; filter?: unknown }; paid: boolean },
  ): Promise<Outcome> {
    const audience = await this.#audience(cause.adminId, draft.audience);
    if (!audience.ok) return audience;
    return await this.#command(cause, mailingId, {
      type: "edit",
      content: draft.content,
      audience: audience.audience,
      paid: draft.paid,
      paidAllowed: this.policy.paidAllowed,
    });
  }

  async state(mailingId: string): Promise<MailingState> {
    return (await this.deps.runtime.actor(mailingActor).state(mailingId)).state;
  }

  /** Starts now: the admin's desk checks the guard rails, the saga starts the mailing. */
  async sendNow(cause: AdminCause, mailingId: string, overrideLimit: boolean): Promise<Outcome> {
    const mailing = await this.state(mailingId);
    if (mailing.status === "none") return refused("not_found", "no such mailing");
    if (mailing.status !== "draft" && mailing.status !== "scheduled") {
      return refused("not_startable", `a ${mailing.status} mailing cannot be started`);
    }
    const size = await this.count(mailing.audience.filter);
    if (size > this.policy.maxAudience && !overrideLimit) {
      return refused(
        "too_large",
        `the audience has ${size} subscribers, above the limit of ${this.policy.maxAudience}: confirm the override to send anyway`,
      );
    }
    const result = await this.deps.runtime.actor(deskActor).send(String(mailing.adminId), {
      type: "begin",
      adminId: mailing.adminId,
      mailingId,
      overrideLimit,
      cooldownMs: this.policy.cooldownMs,
    }, this.#options(cause, "begin"));
    return answer(result, {});
  }

  async schedule(cause: AdminCause, mailingId: string, at: string, overrideLimit: boolean): Promise<Outcome> {
    const mailing = await this.state(mailingId);
    const size = mailing.status === "none" ? 0 : await this.count(mailing.audience.filter);
    return await this.#command(cause, mailingId, {
      type: "schedule",
      at,
      overrideLimit,
      audienceSize: size,
      maxAudience: this.policy.maxAudience,
      cooldownMs: this.policy.cooldownMs,
    });
  }

  unschedule = (cause: AdminCause, id: string) => this.#command(cause, id, { type: "unschedule" });
  pause = (cause: AdminCause, id: string) => this.#command(cause, id, { type: "pause" });
  resume = (cause: AdminCause, id: string) => this.#command(cause, id, { type: "resume" });
  cancel = (cause: AdminCause, id: string) => this.#command(cause, id, { type: "cancel" });

  async #command(cause: AdminCause, mailingId: string, command: MailingCommand): Promise<Outcome> {
    const result = await this.deps.runtime.actor(mailingActor).send(
      mailingId,
      command,
      this.#options(cause, command.type),
    );
    return answer(result, {});
  }

  /** Sends the mailing to the admin themself in Telegram, in each language it has (or one). */
  async preview(cause: AdminCause, mailingId: string, language?: Language): Promise<Outcome> {
    const mailing = await this.state(mailingId);
    if (!mailing.content) return refused("not_found", "no such mailing");
    const languages = language ? [language] : (Object.keys(mailing.content.variants) as Language[]);
    const calls = languages.flatMap((lang) => {
      const call = mailingCall(mailingId, mailing.content!, lang, cause.adminId);
      const { chat_id: _, ...params } = call.params;
      return [
        {
          chatId: cause.adminId,
          method: "sendMessage",
          params: { text: t(lang, "broadcast.preview", { title: mailing.content!.title, language: lang }) },
        },
        { chatId: cause.adminId, method: call.method, params },
      ];
    });
    await this.deps.outbox.queue(`preview:${cause.key}`, calls, { metadata: { actor: `admin:${cause.adminId}` } });
    return { ok: true };
  }

  /** Recipients with no delivery: failed, blocked, skipped and in doubt, from the mailing's own events. */
  async failures(
    mailingId: string,
  ): Promise<{ userId: number; outcome: string; errorCode: number | null; description: string }[]> {
    const rows: { userId: number; outcome: string; errorCode: number | null; description: string }[] = [];
    for (const event of await this.deps.store.readStream(`broadcast-${mailingId}`)) {
      const d = event.data as Record<string, unknown>;
      if (event.type === "BroadcastChunkRecorded") {
        for (const f of d.failed as { userId: number; errorCode: number; description: string }[]) {
          rows.push({ userId: f.userId, outcome: "failed", errorCode: f.errorCode, description: f.description });
        }
        for (const id of d.blocked as number[]) {
          rows.push({ userId: id, outcome: "blocked", errorCode: 403, description: "the user blocked the bot" });
        }
        for (const id of d.skipped as number[]) {
          rows.push({
            userId: id,
            outcome: "skipped",
            errorCode: null,
            description: "blocked or sent /stop meanwhile",
          });
        }
      } else if (event.type === "BroadcastChunkInDoubt") {
        for (const id of d.userIds as number[]) {
          rows.push({
            userId: id,
            outcome: "in_doubt",
            errorCode: null,
            description: "the process stopped while this message was being sent; Telegram may have delivered it",
          });
        }
      }
    }
    return rows;
  }

  // ─── auto-replies ──────────────────────────────────────────────────────────

  async rules() {
    return await this.deps.autoReplies.rules();
  }

  async saveRule(cause: AdminCause, rule: Record<string, unknown>): Promise<Outcome<{ ruleId: string }>> {
    const ruleId = typeof rule.ruleId === "string" ? rule.ruleId : newBroadcastId();
    if (rule.match === "regex" && typeof rule.pattern === "string" && rule.pattern.length <= 200) {
      let valid = true;
      try {
        new RegExp(rule.pattern, "iu");
      } catch {
        valid = false; // the decider names the syntax error
      }
      if (valid && !(await runsSafely(this.deps.autoReplies.regex, rule.pattern))) {
        return refused(
          "unsafe_pattern",
          "pattern: this regular expression can take too long on some messages (catastrophic backtracking); simplify it",
        );
      }
    }
    const result = await this.deps.runtime.actor(autoRepliesActor).send(
      autoRepliesId,
      { type: "save", rule: { ...rule, ruleId } },
      this.#options(cause, "rule"),
    );
    this.deps.autoReplies.invalidate();
    return answer(result, { ruleId });
  }

  async deleteRule(cause: AdminCause, ruleId: string): Promise<Outcome> {
    const result = await this.deps.runtime.actor(autoRepliesActor).send(
      autoRepliesId,
      { type: "delete", ruleId },
      this.#options(cause, "rule"),
    );
    this.deps.autoReplies.invalidate();
    return answer(result, {});
  }
}

/** Checks a filter given in a request (the same schema the events use). */
export const parseFilter = (value: unknown) => audienceFilter.safeParse(value);
