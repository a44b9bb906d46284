// The Bot API over HTTP, as the sandbox answers it: /bot<token>/<method>, Telegram's JSON shapes
// and error texts, strict where Telegram is strict.
import { Hono } from "hono";
import { BotApiError, type ReplyMarkup, type Sandbox, type SandboxMessage } from "./sandbox.ts";

type Params = Record<string, unknown>;
type Method = (sandbox: Sandbox, params: Params) => unknown | Promise<unknown>;

const bad = (description: string) => new BotApiError(400, `Bad Request: ${description}`);
const encoder = new TextEncoder();

function chatId(params: Params, key = "chat_id"): number {
  const value = params[key];
  const id = typeof value === "number"
    ? value
    : typeof value === "string" && /^-?\d+$/.test(value)
    ? Number(value)
    : NaN;
  if (Number.isNaN(id)) throw bad("chat not found");
  return id;
}

function int(params: Params, key: string): number | undefined {
  const value = params[key];
  if (value === undefined || value === null || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw bad(`${key} must be an integer`);
  return n;
}

function required(params: Params, key: string): unknown {
  if (params[key] === undefined || params[key] === null || params[key] === "") throw bad(`${key} is empty`);
  return params[key];
}

function replyMarkup(params: Params): ReplyMarkup | undefined {
  let markup = params.reply_markup;
  if (markup === undefined) return undefined;
  if (typeof markup === "string") {
    try {
      markup = JSON.parse(markup);
    } catch {
      throw bad("can't parse reply keyboard markup JSON object");
    }
  }
  const rows = (markup as ReplyMarkup).inline_keyboard;
  for (const row of rows ?? []) {
    for (const button of row) {
      if (!button.text) throw bad("text buttons are unallowed in the inline keyboard");
      if (button.callback_data !== undefined && encoder.encode(button.callback_data).length > 64) {
        throw bad("BUTTON_DATA_INVALID");
      }
      if (button.web_app && !/^https?:\/\//.test(button.web_app.url)) throw bad("BUTTON_URL_INVALID");
    }
  }
  return markup as ReplyMarkup;
}

function text(params: Params, key = "text", max = 4096): string {
  const value = params[key];
  if (typeof value !== "string" || value.trim() === "") throw bad("message text is empty");
  if ([...value].length > max) throw bad(key === "text" ? "message is too long" : "message caption is too long");
  return value;
}

function caption(params: Params): Params {
  if (params.caption === undefined) return {};
  return { caption: text(params, "caption", 1024), ...optional(params, "caption_entities") };
}

/** Fields passed through as given (JSON in a form field is parsed), and left out when absent. */
function optional(params: Params, ...keys: string[]): Params {
  const out: Params = {};
  for (const key of keys) {
    const value = params[key];
    if (value === undefined || value === null) continue;
    out[key] = typeof value === "string" && /^[[{]/.test(value) ? JSON.parse(value) : value;
  }
  return out;
}

const replyOf = (s: Sandbox, chat: number, p: Params) => s.replyTarget(chat, p.reply_parameters);

function fileId(params: Params, key: string): string {
  const value = params[key];
  if (typeof value !== "string" || value === "") throw bad(`there is no ${key} in the request`);
  return value;
}

const media = (kind: string, build: (id: string) => unknown): Method => (s, p) => {
  const id = chatId(p);
  return s.botSends(
    id,
    { [kind]: build(fileId(p, kind)), ...caption(p), reply_markup: replyMarkup(p), ...replyOf(s, id, p) },
    int(p, "message_thread_id"),
  );
};

/** What a copied message keeps: its content, not who sent it, where from, or what it answered. */
function contentOf(message: SandboxMessage): Params {
  const {
    message_id: _id,
    date: _d,
    chat: _c,
    from: _f,
    reply_markup: _r,
    edit_date: _e,
    message_thread_id: _t,
    is_topic_message: _i,
    reply_to_message: _rt,
    forward_origin: _fo,
    via_bot: _v,
    author_signature: _a,
    ...content
  } = message;
  return content;
}

const methods: Record<string, Method> = {
  getMe: (s) => s.bot,
  logOut: () => true,
  close: () => true,
  getUpdates: (s, p) => s.getUpdates(int(p, "offset") ?? 0, int(p, "limit") ?? 100, int(p, "timeout") ?? 0),
  setWebhook: (s, p) => {
    const url = String(p.url ?? "");
    if (url === "") {
      s.deleteWebhook(Boolean(p.drop_pending_updates));
      return true;
    }
    if (!/^https?:\/\//.test(url)) throw bad("bad webhook: An HTTPS URL must be provided for webhook");
    const secret = p.secret_token as string | undefined;
    if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
      throw bad("secret token contains unallowed characters");
    }
    s.setWebhook(url, secret, int(p, "max_connections") ?? 40, Boolean(p.drop_pending_updates));
    return true;
  },
  deleteWebhook: (s, p) => {
    s.deleteWebhook(Boolean(p.drop_pending_updates));
    return true;
  },
  getWebhookInfo: (s) => s.webhookInfo(),
  setMyCommands: (s, p) => {
    const commands = (typeof p.commands === "string" ? JSON.parse(p.commands) : p.commands) as {
      command: string;
      description: string;
    }[];
    if (!Array.isArray(commands) || commands.length > 100) throw bad("commands must be a list of at most 100");
    for (const c of commands) {
      if (!/^[a-z0-9_]{1,32}$/.test(c.command)) throw bad("BOT_COMMAND_INVALID");
      if (!c.description || c.description.length > 256) throw bad("BOT_COMMAND_DESCRIPTION_INVALID");
    }
    s.commands[String(p.language_code ?? "")] = commands;
    return true;
  },
  getMyCommands: (s, p) => s.commands[String(p.language_code ?? "")] ?? [],
  deleteMyCommands: (s, p) => {
    delete s.commands[String(p.language_code ?? "")];
    return true;
  },
  setChatMenuButton: () => true,
  sendMessage: (s, p) => {
    const id = chatId(p);
    return s.botSends(id, {
      text: text(p),
      reply_markup: replyMarkup(p),
      ...(p.parse_mode ? { parse_mode: p.parse_mode } : {}),
      ...optional(p, "entities", "link_preview_options"),
      ...replyOf(s, id, p),
    }, int(p, "message_thread_id"));
  },
  copyMessage: (s, p) => {
    const original = s.message(chatId(p, "from_chat_id"), int(p, "message_id") ?? -1);
    const content = contentOf(original);
    // A new caption replaces the old one with its entities; a text message has no caption to replace.
    if (p.caption !== undefined) {
      if (typeof content.text === "string") throw bad("message caption can't be set for a text message");
      delete content.caption_entities;
    }
    const id = chatId(p);
    const sent = s.botSends(
      id,
      {
        ...content,
        ...caption(p),
        ...optional(p, "show_caption_above_media"),
        reply_markup: replyMarkup(p),
        ...replyOf(s, id, p),
      },
      int(p, "message_thread_id"),
    );
    return { message_id: sent.message_id };
  },
  forwardMessage: (s, p) => {
    const original = s.message(chatId(p, "from_chat_id"), int(p, "message_id") ?? -1);
    return s.botSends(chatId(p), {
      ...contentOf(original),
      forward_origin: { type: "user", sender_user: original.from, date: original.date },
    }, int(p, "message_thread_id"));
  },
  editMessageText: (s, p) =>
    s.edit(chatId(p), int(p, "message_id") ?? -1, {
      text: text(p),
      entities: optional(p, "entities").entities,
      reply_markup: replyMarkup(p),
    }),
  editMessageCaption: (s, p) => {
    const id = chatId(p);
    const messageId = int(p, "message_id") ?? -1;
    if (typeof s.message(id, messageId).text === "string") throw bad("there is no caption in the message to edit");
    return s.edit(id, messageId, {
      caption: p.caption === undefined ? undefined : text(p, "caption", 1024),
      caption_entities: optional(p, "caption_entities").caption_entities,
      reply_markup: replyMarkup(p),
    });
  },
  editMessageReplyMarkup: (s, p) => s.edit(chatId(p), int(p, "message_id") ?? -1, { reply_markup: replyMarkup(p) }),
  deleteMessage: (s, p) => {
    s.remove(chatId(p), int(p, "message_id") ?? -1);
    return true;
  },
  answerCallbackQuery: (s, p) => {
    s.answerCallback(String(required(p, "callback_query_id")), p.text as string | undefined, Boolean(p.show_alert));
    return true;
  },
  sendChatAction: (s, p) => {
    s.chatInfo(chatId(p));
    return true;
  },
  sendPhoto: media("photo", (id) => [{ file_id: id, file_unique_id: `u${id}`, width: 800, height: 600 }]),
  sendDocument: media("document", (id) => ({ file_id: id, file_unique_id: `u${id}`, file_name: "file" })),
  sendVoice: media("voice", (id) => ({ file_id: id, file_unique_id: `u${id}`, duration: 3 })),
  sendVideo: media("video", (id) => ({ file_id: id, file_unique_id: `u${id}`, width: 640, height: 360, duration: 5 })),
  sendAudio: media("audio", (id) => ({ file_id: id, file_unique_id: `u${id}`, duration: 60 })),
  sendSticker: media(
    "sticker",
    (id) => ({ file_id: id, file_unique_id: `u${id}`, type: "regular", width: 512, height: 512 }),
  ),
  sendInvoice: (s, p) => s.botSends(chatId(p), { invoice: invoiceOf(p), reply_markup: replyMarkup(p) }),
  createInvoiceLink: (s, p) => `https://t.me/$${s.linkInvoice(invoiceOf(p))}`,
  answerPreCheckoutQuery: (s, p) => {
    required(p, "pre_checkout_query_id");
    const ok = p.ok === true || p.ok === "true";
    if (!ok && !p.error_message) throw bad("error_message is required when ok is false");
    s.answerCheckout(String(p.pre_checkout_query_id), ok, p.error_message as string | undefined);
    return true;
  },
  refundStarPayment: (s, p) => {
    s.refundStars(int(p, "user_id") ?? -1, String(required(p, "telegram_payment_charge_id")));
    return true;
  },
  createForumTopic: (s, p) => {
    const topic = s.createTopic(chatId(p), String(required(p, "name")).slice(0, 128));
    return { message_thread_id: topic.message_thread_id, name: topic.name, icon_color: 7322096 };
  },
  deleteForumTopic: (s, p) => {
    s.deleteTopic(chatId(p), int(p, "message_thread_id") ?? -1);
    return true;
  },
  getFile: (s, p) => {
    const id = String(required(p, "file_id"));
    const file = s.files.get(id);
    if (!file) throw bad("invalid file_id");
    return { file_id: id, file_unique_id: `u${id}`, file_size: file.bytes.length, file_path: file.path };
  },
  closeForumTopic: (s, p) => {
    s.setTopicClosed(chatId(p), int(p, "message_thread_id") ?? -1, true);
    return true;
  },
  reopenForumTopic: (s, p) => {
    s.setTopicClosed(chatId(p), int(p, "message_thread_id") ?? -1, false);
    return true;
  },
  getChatMember: (s, p) => {
    const chat = s.chatInfo(chatId(p));
    const userId = int(p, "user_id") ?? -1;
    if (userId === s.bot.id) return { status: chat.type === "private" ? "member" : "administrator", user: s.bot };
    const user = s.users.get(userId);
    if (!user) throw bad("PARTICIPANT_ID_INVALID");
    return { status: chat.type === "private" ? (userId === chat.id ? "member" : "left") : "member", user };
  },
};

function invoiceOf(p: Params) {
  const prices = (typeof p.prices === "string" ? JSON.parse(p.prices) : p.prices) as {
    label: string;
    amount: number;
  }[];
  if (!Array.isArray(prices) || prices.length === 0) throw bad("CURRENCY_TOTAL_AMOUNT_INVALID");
  if (p.currency === "XTR" && (prices.length !== 1 || (p.provider_token ?? "") !== "")) {
    throw bad("STARS_INVOICE_INVALID");
  }
  const payload = String(required(p, "payload"));
  if (encoder.encode(payload).length > 128) throw bad("INVOICE_PAYLOAD_INVALID");
  return {
    title: String(required(p, "title")),
    description: String(required(p, "description")),
    start_parameter: String(p.start_parameter ?? ""),
    currency: String(required(p, "currency")),
    total_amount: prices.reduce((sum, price) => sum + price.amount, 0),
    payload,
  };
}

async function readParams(request: Request, sandbox?: Sandbox): Promise<Params> {
  const url = new URL(request.url);
  const params: Params = Object.fromEntries(url.searchParams);
  if (request.method !== "POST") return params;
  const type = request.headers.get("content-type") ?? "";
  if (type.includes("application/json")) {
    const body = await request.json().catch(() => {
      throw bad("can't parse JSON");
    });
    return { ...params, ...body };
  }
  if (type.includes("form")) {
    const form = await request.formData();
    for (const [key, value] of form) {
      // An uploaded file is kept (getFile serves it back) and named by its new file_id.
      params[key] = typeof value === "string"
        ? value
        : sandbox
        ? sandbox.storeFile(new Uint8Array(await value.arrayBuffer()), value.name, value.type)
        : `file:${value.name}`;
    }
    // grammY names an uploaded file's field with attach://<field>.
    for (const [key, value] of Object.entries(params)) {
      if (typeof value === "string" && value.startsWith("attach://")) params[key] = params[value.slice(9)] ?? value;
    }
  }
  return params;
}

export function botApiRoutes(sandbox: Sandbox): Hono {
  const app = new Hono();
  // Paths are matched by hand, not by route patterns: "bot<token>" is a parameter inside a segment,
  // which only Hono's RegExpRouter matches, and the platform's app (which mounts the sandbox) may
  // have routes that make Hono fall back to its trie router.
  // Telegram's file downloads: /file/bot<token>/<file_path>, for paths getFile gave out.
  app.get("/file/*", (c) => {
    const [, token, path] = /\/file\/bot([^/]+)\/(.+)$/.exec(c.req.path) ?? [];
    if (token !== sandbox.token) {
      return c.json({ ok: false, error_code: 401, description: "Unauthorized" }, 401);
    }
    const file = sandbox.fileByPath(decodeURIComponent(path));
    if (!file) return c.json({ ok: false, error_code: 404, description: "Not Found" }, 404);
    return c.body(file.bytes as Uint8Array<ArrayBuffer>, 200, {
      "content-type": file.type || "application/octet-stream",
    });
  });
  app.use("*", async (c, next) => {
    const call = /\/bot([^/]+)\/([^/]+)$/.exec(c.req.path);
    if (!call) return await next();
    const [, token, name] = call;
    const reply = (status: number, body: unknown) => c.json(body, status as 200);
    if (token !== sandbox.token) {
      return reply(401, { ok: false, error_code: 401, description: "Unauthorized" });
    }
    const method = methods[name];
    if (!method) return reply(404, { ok: false, error_code: 404, description: "Not Found: method not found" });
    try {
      const params = await readParams(c.req.raw, sandbox);
      sandbox.recordRequest(name, params);
      const target = params.chat_id === undefined ? undefined : Number(params.chat_id);
      const paid = params.allow_paid_broadcast === true || params.allow_paid_broadcast === "true";
      await sandbox.admit(name, Number.isNaN(target) ? undefined : target, paid);
      const result = await method(sandbox, params);
      return reply(200, { ok: true, result: result ?? true });
    } catch (error) {
      if (!(error instanceof BotApiError)) throw error;
      return reply(error.status, {
        ok: false,
        error_code: error.status,
        description: error.description,
        ...(error.parameters ? { parameters: error.parameters } : {}),
      });
    }
  });
  return app;
}
