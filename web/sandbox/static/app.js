// The sandbox page: a column per fake user and one for the forum group, live over SSE.
const chats = document.getElementById("chats");
let state = { users: [], chats: {}, forum: null, bot: null };
const drafts = new Map();

async function call(path, body) {
  const response = await fetch(
    path,
    body === undefined
      ? {}
      : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
  );
  const json = await response.json();
  if (!response.ok) throw new Error(json.error ?? response.statusText);
  return json;
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) if (child != null) node.append(child);
  return node;
}

function keyboard(userId, chatId, message) {
  const rows = message.reply_markup?.inline_keyboard;
  if (!rows) return null;
  return el(
    "div",
    { class: "keyboard" },
    rows.map((row) =>
      el(
        "div",
        { class: "row" },
        row.map((button) =>
          el("button", {
            type: "button",
            dataset: { testid: "inline-button" },
            onclick: async () => {
              if (button.callback_data !== undefined) {
                await call(`/sandbox/api/users/${userId}/clicks`, {
                  chatId,
                  messageId: message.message_id,
                  data: button.callback_data,
                });
              } else if (button.web_app) openWebApp(userId, button.web_app.url, button.text);
              else if (button.url) globalThis.open(button.url, "_blank", "noopener");
            },
          }, button.text)
        ),
      )
    ),
  );
}

// The Mini App panel plays the Telegram client: it opens the app with signed initData and a theme,
// draws the Back and Main buttons the app asks for, and sends their presses and theme changes back
// through Telegram's web-events protocol (JSON strings over postMessage).
const panel = {
  root: document.getElementById("webapp"),
  frame: document.getElementById("webapp-frame"),
  back: document.getElementById("webapp-back"),
  main: document.getElementById("webapp-main"),
  dark: document.getElementById("webapp-dark"),
};
const themeName = () => (panel.dark.checked ? "dark" : "light");

function resetPanelButtons() {
  panel.back.hidden = true;
  panel.main.hidden = true;
}

function paintPanel() {
  const theme = state.themes?.[themeName()];
  panel.root.classList.toggle("dark", themeName() === "dark");
  if (!theme) return;
  panel.root.style.background = theme.bg_color;
  panel.root.style.color = theme.text_color;
}

function toMiniApp(eventType, eventData) {
  const target = panel.frame.contentWindow;
  if (!target || panel.root.hidden) return;
  target.postMessage(JSON.stringify({ eventType, eventData }), new URL(panel.frame.src).origin);
}

const sendTheme = () => toMiniApp("theme_changed", { theme_params: state.themes?.[themeName()] ?? {} });

async function openWebApp(userId, url, title) {
  const query = `url=${encodeURIComponent(url)}&theme=${themeName()}`;
  const { url: signed } = await call(`/sandbox/api/users/${userId}/webapp?${query}`);
  resetPanelButtons();
  document.getElementById("webapp-title").textContent = title;
  panel.frame.src = signed;
  panel.root.hidden = false;
  paintPanel();
}
document.getElementById("webapp-close").addEventListener("click", () => {
  panel.root.hidden = true;
  panel.frame.src = "about:blank";
  resetPanelButtons();
});
panel.back.addEventListener("click", () => toMiniApp("back_button_pressed"));
panel.main.addEventListener("click", () => toMiniApp("main_button_pressed"));
panel.dark.addEventListener("change", () => {
  paintPanel();
  sendTheme();
});

globalThis.addEventListener("message", (event) => {
  if (event.source !== panel.frame.contentWindow || typeof event.data !== "string") return;
  let message;
  try {
    message = JSON.parse(event.data);
  } catch {
    return;
  }
  const data = message.eventData ?? {};
  switch (message.eventType) {
    case "web_app_setup_back_button":
      panel.back.hidden = !data.is_visible;
      break;
    case "web_app_setup_main_button":
      panel.main.hidden = !data.is_visible;
      panel.main.disabled = data.is_active === false;
      panel.main.textContent = data.is_progress_visible ? `${data.text ?? ""} …` : data.text ?? "";
      panel.main.style.background = data.color ?? "";
      panel.main.style.color = data.text_color ?? "";
      break;
    case "web_app_request_theme":
      sendTheme();
      break;
  }
});

function describe(message) {
  if (message.text) return message.text;
  if (message.caption) return `[media] ${message.caption}`;
  if (message.forum_topic_created) return `# topic "${message.forum_topic_created.name}"`;
  const kind = ["photo", "document", "voice", "video", "audio", "sticker", "invoice", "location", "contact"].find((k) =>
    k in message
  );
  return kind ? `[${kind}]` : "[message]";
}

function column(title, chatId, userId, user) {
  const log = el(
    "div",
    { class: "log", dataset: { testid: "log" } },
    (state.chats[chatId] ?? []).map((m) =>
      el(
        "div",
        {
          class: `msg ${m.from?.is_bot ? "bot" : "user"}`,
          dataset: { testid: m.from?.is_bot ? "bot-message" : "user-message" },
        },
        m.message_thread_id ? el("div", { class: "thread" }, `topic ${m.message_thread_id}`) : null,
        describe(m),
        userId ? keyboard(userId, chatId, m) : null,
      )
    ),
  );
  const input = el("input", {
    name: "text",
    placeholder: "Message",
    autocomplete: "off",
    "aria-label": `Message as ${title}`,
  });
  input.value = drafts.get(chatId) ?? "";
  input.addEventListener("input", () => drafts.set(chatId, input.value));
  const form = userId
    ? el(
      "form",
      {
        onsubmit: async (event) => {
          event.preventDefault();
          if (!input.value.trim()) return;
          const text = input.value;
          input.value = "";
          drafts.delete(chatId);
          await call(`/sandbox/api/users/${userId}/messages`, { text });
        },
      },
      input,
      el("button", { type: "submit" }, "Send"),
    )
    : null;
  const blockButton = user
    ? el("button", {
      type: "button",
      onclick: () => call(`/sandbox/api/users/${userId}/blocked`, { blocked: !user.blockedBot }),
    }, user.blockedBot ? "Unblock bot" : "Block bot")
    : null;
  const node = el(
    "section",
    { class: "chat", dataset: { testid: "chat", chat: String(chatId) } },
    el("h2", {}, title, blockButton),
    log,
    form,
  );
  queueMicrotask(() => (log.scrollTop = log.scrollHeight));
  return node;
}

function render() {
  document.getElementById("bot").textContent = state.bot ? `@${state.bot.username}` : "";
  const focused = document.activeElement?.closest?.("[data-chat]")?.dataset.chat;
  chats.replaceChildren(
    ...state.users.map((u) => column(`${u.first_name} (${u.language_code})`, u.id, u.id, u)),
    state.forum ? column(state.forum.title, state.forum.id, null, null) : "",
  );
  if (focused) chats.querySelector(`[data-chat="${focused}"] input`)?.focus();
}

let pending = false;
async function refresh() {
  if (pending) return;
  pending = true;
  await new Promise((r) => setTimeout(r, 30));
  pending = false;
  state = await call("/sandbox/api/state");
  render();
}

document.getElementById("add-user").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  await call("/sandbox/api/users", { name: form.get("name"), language: form.get("language") });
  event.target.reset();
  refresh();
});

new EventSource("/sandbox/api/events").addEventListener("sandbox", refresh);
refresh();
