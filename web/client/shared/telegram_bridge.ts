/// <reference lib="dom" />
// Telegram's Mini App web-events protocol, spoken directly (telegram-web-app.js is neither allowed by
// the CSP nor available offline): postEvent to the mobile/desktop webview, postMessage to web clients.

/** Colours Telegram passes in tgWebAppThemeParams and theme_changed (all "#rrggbb"). */
export interface ThemeParams {
  bg_color?: string;
  text_color?: string;
  hint_color?: string;
  link_color?: string;
  button_color?: string;
  button_text_color?: string;
  secondary_bg_color?: string;
  header_bg_color?: string;
  accent_text_color?: string;
  section_bg_color?: string;
  section_header_text_color?: string;
  subtitle_text_color?: string;
  destructive_text_color?: string;
  bottom_bar_bg_color?: string;
  section_separator_color?: string;
}

/** What the Mini App tells Telegram, with each event's data (undefined: none). */
export interface OutgoingEvents {
  web_app_ready: undefined;
  web_app_expand: undefined;
  web_app_request_theme: undefined;
  web_app_close: undefined;
  /** Opens a t.me link inside Telegram (path_full: "/share/url?url=…"). */
  web_app_open_tg_link: { path_full: string };
  web_app_setup_back_button: { is_visible: boolean };
  /** Opens an invoice made by createInvoiceLink (the slug after "t.me/$"). */
  web_app_open_invoice: { slug: string };
  web_app_setup_main_button: {
    is_visible: boolean;
    is_active?: boolean;
    is_progress_visible?: boolean;
    text?: string;
    color?: string;
    text_color?: string;
  };
}

/** What Telegram tells the Mini App. */
export interface IncomingEvents {
  back_button_pressed: undefined;
  main_button_pressed: undefined;
  theme_changed: { theme_params: ThemeParams };
  /** How an invoice opened with web_app_open_invoice ended. */
  invoice_closed: { slug: string; status: "paid" | "cancelled" | "failed" | "pending" };
}

/** Where the page runs: a native client's webview, a web client's iframe, or a plain browser tab. */
export type Host = "webview" | "iframe" | "browser";

interface TelegramWindow {
  TelegramWebviewProxy?: { postEvent(eventType: string, eventData: string): void };
  Telegram?: { WebView?: { receiveEvent?(eventType: string, eventData: unknown): void } };
}

const telegramWindow = () => globalThis as unknown as Window & TelegramWindow;

export function detectHost(): Host {
  const win = telegramWindow();
  if (win.TelegramWebviewProxy) return "webview";
  return win.parent !== win ? "iframe" : "browser";
}

type DataArgs<T> = T extends undefined ? [] : [data: T];

/** Sends an event to the Telegram client; false in a plain browser tab, where nobody listens. */
export function postEvent<K extends keyof OutgoingEvents>(type: K, ...[data]: DataArgs<OutgoingEvents[K]>): boolean {
  const win = telegramWindow();
  switch (detectHost()) {
    case "webview":
      win.TelegramWebviewProxy!.postEvent(type, JSON.stringify(data ?? null));
      return true;
    case "iframe":
      // The data carries nothing secret, and web clients live on several telegram.org origins.
      win.parent.postMessage(JSON.stringify({ eventType: type, eventData: data }), "*");
      return true;
    case "browser":
      return false;
  }
}

type Handler = (data: unknown) => void;
const handlers = new Map<string, Set<Handler>>();
let listening = false;

function dispatch(eventType: unknown, eventData: unknown): void {
  if (typeof eventType !== "string") return;
  for (const handler of handlers.get(eventType) ?? []) handler(eventData);
}

function listen(): void {
  if (listening) return;
  listening = true;
  const win = telegramWindow();
  // Native clients call window.Telegram.WebView.receiveEvent(type, data).
  win.Telegram = win.Telegram ?? {};
  win.Telegram.WebView = { ...win.Telegram.WebView, receiveEvent: dispatch };
  // Web clients post {eventType, eventData} as a JSON string from the parent frame.
  win.addEventListener("message", (event: MessageEvent) => {
    if (event.source !== win.parent || typeof event.data !== "string") return;
    try {
      const message = JSON.parse(event.data) as { eventType?: unknown; eventData?: unknown };
      dispatch(message.eventType, message.eventData);
    } catch {
      // not a Telegram message: other frames may post strings too
    }
  });
}

/** Calls the handler on every such event from Telegram; returns the unsubscribe. */
export function onEvent<K extends keyof IncomingEvents>(
  type: K,
  handler: (data: IncomingEvents[K]) => void,
): () => void {
  listen();
  const set = handlers.get(type) ?? new Set<Handler>();
  handlers.set(type, set);
  set.add(handler as Handler);
  return () => set.delete(handler as Handler);
}
