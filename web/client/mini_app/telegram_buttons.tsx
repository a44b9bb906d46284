/// <reference lib="dom" />
// Telegram's BackButton and MainButton as components: inside Telegram they drive the client's own
// buttons; in a plain browser tab they render ordinary buttons so the screens still work.
import { useEffect, useRef } from "preact/hooks";
import { detectHost, onEvent, postEvent } from "../shared/telegram_bridge.ts";

const inTelegram = detectHost() !== "browser";

/** Keeps the latest callback without re-registering the button on every render. */
function useLatest<T>(value: T) {
  const ref = useRef(value);
  ref.current = value;
  return ref;
}

export function BackButton(props: { label: string; onClick(): void }) {
  const onClick = useLatest(props.onClick);
  useEffect(() => {
    if (!inTelegram) return;
    postEvent("web_app_setup_back_button", { is_visible: true });
    const off = onEvent("back_button_pressed", () => onClick.current());
    return () => {
      off();
      postEvent("web_app_setup_back_button", { is_visible: false });
    };
  }, []);
  if (inTelegram) return null;
  return <button type="button" class="back-button" onClick={props.onClick}>‹ {props.label}</button>;
}

export function MainButton(props: { text: string; disabled?: boolean; progress?: boolean; onClick(): void }) {
  const onClick = useLatest(props.onClick);
  useEffect(() => {
    if (!inTelegram) return;
    const off = onEvent("main_button_pressed", () => onClick.current());
    return () => {
      off();
      postEvent("web_app_setup_main_button", { is_visible: false });
    };
  }, []);
  useEffect(() => {
    if (!inTelegram) return;
    const style = getComputedStyle(document.documentElement);
    const color = (name: string) => style.getPropertyValue(name).trim() || undefined;
    postEvent("web_app_setup_main_button", {
      is_visible: true,
      is_active: !props.disabled,
      is_progress_visible: props.progress ?? false,
      text: props.text,
      color: color("--tg-theme-button-color"),
      text_color: color("--tg-theme-button-text-color"),
    });
  }, [props.text, props.disabled, props.progress]);
  if (inTelegram) return null;
  return (
    <button type="button" class="main-button" disabled={props.disabled} onClick={props.onClick}>
      {props.text}
    </button>
  );
}
