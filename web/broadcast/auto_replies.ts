// Auto-replies: the first enabled rule whose keyword matches a subscriber's message answers it.
// Rules come from their actor, re-read at most every couple of seconds (admins edit them rarely).
import type { ActorRuntime } from "../../actors/runtime.ts";
import { autoRepliesActor } from "../../actors/broadcast_autoreplies.ts";
import type { AutoReplyRule } from "../../events/broadcast.ts";
import type { SafeRegex } from "./safe_regex.ts";
import { log } from "../../log.ts";

export const autoRepliesId = "main";

const normalise = (text: string) => text.trim().toLocaleLowerCase().replace(/\s+/g, " ");

export class AutoReplies {
  #cache?: { at: number; rules: AutoReplyRule[] };

  constructor(
    private readonly runtime: ActorRuntime,
    readonly regex: SafeRegex,
    private readonly cacheMs = 2000,
  ) {}

  /** Forgets the cached rules (after an admin changed them in this process). */
  invalidate(): void {
    this.#cache = undefined;
  }

  async rules(): Promise<AutoReplyRule[]> {
    if (this.#cache && performance.now() - this.#cache.at < this.cacheMs) return this.#cache.rules;
    const { state } = await this.runtime.actor(autoRepliesActor).state(autoRepliesId);
    const rules = Object.values(state.rules);
    this.#cache = { at: performance.now(), rules };
    return rules;
  }

  async match(text: string): Promise<AutoReplyRule | undefined> {
    const message = normalise(text);
    for (const rule of await this.rules()) {
      if (!rule.enabled) continue;
      if (rule.match === "exact" && message === normalise(rule.pattern)) return rule;
      if (rule.match === "contains" && message.includes(normalise(rule.pattern))) return rule;
      if (rule.match === "regex") {
        const verdict = await this.regex.test(rule.pattern, text);
        if (verdict === "match") return rule;
        if (verdict === "timeout") log.warn("auto-reply regex timed out; skipped", { rule: rule.ruleId });
      }
    }
    return undefined;
  }
}
