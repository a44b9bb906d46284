// Counts the bot's replies as they reach the sandbox, with the time from each chat's update.
import type { Sandbox } from "../../web/sandbox/sandbox.ts";

export function replyClock(sandbox: Sandbox) {
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  let replies = 0;
  let wake: (() => void) | undefined;
  const stop = sandbox.on((event) => {
    if (event.kind === "update") {
      const chat = (event.update.message as { chat?: { id: number } } | undefined)?.chat?.id;
      if (chat !== undefined) sentAt.set(chat, performance.now());
    } else if (event.kind === "message" && event.message.from?.is_bot && !event.edited) {
      const at = sentAt.get(event.chatId);
      if (at !== undefined) latencies.push(performance.now() - at);
      replies++;
      wake?.();
    }
  });
  return {
    latencies,
    /** Resolves once this many replies have arrived, and stops counting. */
    async until(count: number) {
      while (replies < count) await new Promise<void>((r) => (wake = r));
      stop();
    },
  };
}
