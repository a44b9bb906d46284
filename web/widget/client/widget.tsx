/// <reference lib="dom" />
// The widget's looks: a floating button with the unread badge, and the chat panel (messages,
// typing, the optional introduction, attachments, the composer). Behaviour lives in the controller.
import { useEffect, useRef, useState } from "preact/hooks";
import type { WidgetController, WidgetState } from "./controller.ts";
import { acceptedTypes, formatSize } from "./attachments.ts";
import type { Texts } from "./i18n.ts";
import type { ChatMessage } from "./types.ts";

function useWidgetState(controller: WidgetController): WidgetState {
  const [state, setState] = useState(controller.state);
  useEffect(() => controller.subscribe(setState), [controller]);
  return state;
}

export function Widget({ controller }: { controller: WidgetController }) {
  const state = useWidgetState(controller);
  const t = controller.texts;
  return (
    <div class="w" lang={controller.language}>
      {state.open && <Panel controller={controller} state={state} />}
      <button
        type="button"
        class="launcher"
        aria-label={state.open ? t.close : t.open}
        aria-expanded={state.open}
        onClick={() => controller.setOpen(!state.open)}
      >
        <svg viewBox="0 0 24 24" aria-hidden="true">
          {state.open ? <path d="M6 6l12 12M18 6L6 18" /> : <path d="M4 5h16v11H9l-5 4z" />}
        </svg>
        {state.unread > 0 && <span class="badge" aria-label={t.unread(state.unread)}>{state.unread}</span>}
      </button>
    </div>
  );
}

function Panel({ controller, state }: { controller: WidgetController; state: WidgetState }) {
  const t = controller.texts;
  const log = useRef<HTMLDivElement>(null);
  const shown = [...state.thread.messages, ...state.thread.pending];
  useEffect(() => {
    log.current?.scrollTo({ top: log.current.scrollHeight });
  }, [shown.length, state.agentTyping]);
  return (
    <section class="panel" role="dialog" aria-label={t.title}>
      <header>
        <div>
          <h2>{t.title}</h2>
          <p>{t.subtitle}</p>
        </div>
        <button type="button" class="icon" aria-label={t.close} onClick={() => controller.setOpen(false)}>
          <svg viewBox="0 0 24 24" aria-hidden="true">
            <path d="M6 6l12 12M18 6L6 18" />
          </svg>
        </button>
      </header>
      {state.feed === "offline" && <p class="feed">{t.offline}</p>}
      <div class="log" ref={log} role="log" aria-live="polite" data-feed={state.feed}>
        {shown.length === 0 && <p class="system">{t.empty}</p>}
        {shown.map((m) => (
          <Bubble key={m.clientId && m.pending ? m.clientId : m.id} message={m} t={t} controller={controller} />
        ))}
        {state.agentTyping && <p class="typing" role="status">{t.typing}</p>}
      </div>
      {state.status === "closed" && <p class="closed" role="status">{t.closed}</p>}
      {state.askIntroduction && <Introduction controller={controller} t={t} />}
      {state.notice && (
        <p class="notice" role="alert" onClick={() => controller.dismissNotice()}>
          {state.notice}
        </p>
      )}
      <Composer controller={controller} t={t} />
    </section>
  );
}

function Bubble({ message: m, t, controller }: { message: ChatMessage; t: Texts; controller: WidgetController }) {
  if (m.deleted) return <p class={`msg ${m.from} deleted`}>{t.deleted}</p>;
  const time = new Date(m.at).toLocaleTimeString(controller.language, { hour: "2-digit", minute: "2-digit" });
  return (
    <div class={`msg ${m.from}${m.pending ? ` ${m.pending}` : ""}`} data-id={m.id || undefined}>
      {m.from === "agent" && m.author && <b class="who">{m.author}</b>}
      {m.attachment && <AttachmentView attachment={m.attachment} t={t} />}
      {m.text && <p class="text">{m.text}</p>}
      <small>
        {m.pending === "sending" ? t.sending : time}
        {m.edited && ` · ${t.edited}`}
      </small>
      {m.pending === "failed" && (
        <button type="button" class="retry" onClick={() => controller.retry(m.clientId!)}>
          {t.failed}
        </button>
      )}
    </div>
  );
}

const Clip = () => (
  <svg class="clip" viewBox="0 0 24 24" aria-hidden="true">
    <path d="M16 7l-7 7a2 2 0 003 3l7-7a4 4 0 00-6-6l-7 7a6 6 0 008 8l6-6" />
  </svg>
);

function AttachmentView({ attachment: a, t }: { attachment: NonNullable<ChatMessage["attachment"]>; t: Texts }) {
  if (!a.url) {
    return (
      <p class="file">
        <Clip />
        {a.name}
      </p>
    );
  }
  if (a.kind === "image") {
    return (
      <a href={a.url} target="_blank" rel="noopener">
        <img src={a.url} alt={a.name} loading="lazy" />
      </a>
    );
  }
  return (
    <a class="file" href={a.url} target="_blank" rel="noopener" download={a.name}>
      <Clip />
      {a.name || t.file}
      {a.size > 0 && ` (${formatSize(a.size)})`}
    </a>
  );
}

function Introduction({ controller, t }: { controller: WidgetController; t: Texts }) {
  const [problem, setProblem] = useState<string>();
  const submit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const email = String(form.get("email") ?? "").trim();
    if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return setProblem(t.badEmail);
    controller.introduce({ name: String(form.get("name") ?? ""), email });
  };
  return (
    <form class="intro" onSubmit={submit} aria-label={t.introTitle}>
      <p>{t.introTitle}</p>
      <div class="row">
        <input name="name" aria-label={t.name} placeholder={t.name} maxLength={100} autocomplete="name" />
        <input
          name="email"
          type="email"
          aria-label={t.email}
          placeholder={t.email}
          maxLength={200}
          autocomplete="email"
        />
      </div>
      {problem && <p class="notice" role="alert">{problem}</p>}
      <div class="row">
        <button type="submit" class="small">{t.save}</button>
        <button type="button" class="small plain" onClick={() => controller.introduce({})}>{t.skip}</button>
      </div>
    </form>
  );
}

function Composer({ controller, t }: { controller: WidgetController; t: Texts }) {
  const input = useRef<HTMLTextAreaElement>(null);
  const file = useRef<HTMLInputElement>(null);
  const send = () => {
    const text = input.current?.value ?? "";
    if (!text.trim()) return;
    input.current!.value = "";
    controller.send(text);
  };
  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      <button type="button" class="icon" aria-label={t.attach} onClick={() => file.current?.click()}>
        <Clip />
      </button>
      <input
        ref={file}
        type="file"
        hidden
        aria-label={t.attach}
        accept={acceptedTypes.join(",")}
        onChange={(event) => {
          const target = event.currentTarget;
          const chosen = target.files?.[0];
          target.value = "";
          if (chosen) controller.sendFile(chosen);
        }}
      />
      <textarea
        ref={input}
        rows={1}
        maxLength={4000}
        aria-label={t.placeholder}
        placeholder={t.placeholder}
        onInput={() => controller.typing()}
        onKeyDown={(event) => {
          if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            send();
          }
        }}
      />
      <button type="submit" class="icon send" aria-label={t.send}>
        <svg viewBox="0 0 24 24" aria-hidden="true">
          <path d="M4 12l16-8-6 16-2-6z" />
        </svg>
      </button>
    </form>
  );
}
