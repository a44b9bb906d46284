// The platform side of the support benchmark (runs inside support_bench_server.ts): the whole
// platform in webhook mode against the sandbox process, support's limits raised out of the way.
import { defaultWebhookSecret } from "../../web/telegram/gateway.ts";
import { startBenchPlatform } from "./telegram_child.ts";
import { createSupportSite } from "../../web/support/sites.ts";

export async function startSupportPlatform(sandboxUrl: string, token: string) {
  const forumId = -1001000000001;
  const ours = await startBenchPlatform(token, sandboxUrl, {
    SEND_GLOBAL_PER_SECOND: "100000",
    SEND_CHAT_PER_SECOND: "1000",
    SEND_GROUP_PER_MINUTE: "100000",
    USER_MESSAGES_PER_MINUTE: "100000",
    SUPPORT_CHAT_ID: String(forumId),
  });
  const url = ours.platform.url;
  const answer = await fetch(`${sandboxUrl}/sandbox/bot${token}/setWebhook`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url: `${url}/telegram/webhook`, secret_token: await defaultWebhookSecret(token) }),
  });
  if (!answer.ok) throw new Error(`setWebhook: ${answer.status} ${await answer.text()}`);
  return {
    url,
    site: async (origin: string) =>
      (await createSupportSite(ours.platform.runtime, { name: "Bench", origins: [origin], messagesPerMinute: 600 }))
        .site,
    stop: () => ours.stop(),
  };
}
