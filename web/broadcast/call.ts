// One mailing message through the common throttle (the sender's, so replies and mailings share
// the overall rate): 429 waits as told and goes again, 5xx and network errors are retried with
// back-off, and anything else, 403 included, is the answer.
import { type Api, GrammyError, HttpError } from "grammy";
import type { SendBudget, Throttle } from "../telegram/throttle.ts";
import type { BotCall } from "./message.ts";

export type CallResult = { ok: true } | { ok: false; errorCode: number; description: string };

export interface CallStats {
  tooManyRequests: number;
  retried: number;
}

export async function sendThrottled(
  api: Api,
  throttle: Throttle,
  budget: SendBudget,
  chatId: number,
  call: BotCall,
  options: { maxAttempts: number; stats: CallStats; backoffMs?: number },
  /** Resolves once the slot is taken and the request is on its way (the caller paces by it). */
  onSent?: () => void,
): Promise<CallResult> {
  const raw = api.raw as unknown as Record<string, (p: unknown) => Promise<unknown>>;
  for (let attempt = 1;; attempt++) {
    await throttle.slot(chatId, budget);
    const request = raw[call.method].call(api.raw, call.params);
    onSent?.();
    onSent = undefined;
    try {
      await request;
      return { ok: true };
    } catch (error) {
      if (error instanceof GrammyError && error.error_code === 429) {
        options.stats.tooManyRequests++;
        throttle.pauseBudget(budget.name, (error.parameters.retry_after ?? 1) * 1000);
        attempt--; // a rate limit is not a failure
        continue;
      }
      const transient = error instanceof HttpError || (error instanceof GrammyError && error.error_code >= 500);
      if (transient && attempt < options.maxAttempts) {
        options.stats.retried++;
        const base = options.backoffMs ?? 200;
        await new Promise((r) => setTimeout(r, Math.min(10_000, base * 2 ** (attempt - 1))));
        continue;
      }
      if (error instanceof GrammyError) {
        return { ok: false, errorCode: error.error_code, description: error.description.slice(0, 300) };
      }
      return { ok: false, errorCode: 0, description: String((error as Error)?.message ?? error).slice(0, 300) };
    }
  }
}
