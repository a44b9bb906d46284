// `deno task webhook set|delete|info`: manages the bot's webhook at the configured Bot API server.
import "./quiet_deprecations.ts";
import { Api } from "grammy";
import { loadConfig } from "../../config.ts";
import { defaultWebhookSecret } from "./gateway.ts";
import { clientOptions } from "./client.ts";

const usage =
  "usage: deno task webhook set|delete|info   (set needs WEBHOOK_URL, e.g. https://bot.example.com/telegram/webhook)";
const config = loadConfig();
const action = Deno.args[0];
if (!config.BOT_TOKEN) {
  console.error("BOT_TOKEN: required to manage a webhook (without it the app uses the offline sandbox)");
  Deno.exit(2);
}
const api = new Api(config.BOT_TOKEN, clientOptions(config.TELEGRAM_API_ROOT));
switch (action) {
  case "set": {
    if (!config.WEBHOOK_URL) {
      console.error("WEBHOOK_URL: required for set");
      Deno.exit(2);
    }
    const secret = config.WEBHOOK_SECRET ?? await defaultWebhookSecret(config.BOT_TOKEN);
    await api.setWebhook(config.WEBHOOK_URL, { secret_token: secret, allowed_updates: [] });
    console.log(`webhook set to ${config.WEBHOOK_URL}`);
    break;
  }
  case "delete":
    await api.deleteWebhook();
    console.log("webhook deleted");
    break;
  case "info":
    console.log(JSON.stringify(await api.getWebhookInfo(), null, 2));
    break;
  default:
    console.error(usage);
    Deno.exit(2);
}
