/// <reference lib="dom" />
// The Mini App shell: who the user is, and a stack of screens the product screens will join
// (Telegram's BackButton pops it, the MainButton acts on the current screen).
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../shared/http.ts";
import { type AppUser, fetchMe } from "./api.ts";
import { type Messages, messages, pickLanguage } from "./messages.ts";
import { BackButton, MainButton } from "./telegram_buttons.tsx";

type Screen = "home" | "profile";

type Me =
  | { state: "loading" }
  | { state: "ready"; user: AppUser }
  | { state: "failed"; outsideTelegram: boolean; reason?: string };

export function App(props: { initData?: string }) {
  const [me, setMe] = useState<Me>(props.initData ? { state: "loading" } : { state: "failed", outsideTelegram: true });
  const [stack, setStack] = useState<Screen[]>(["home"]);
  useEffect(() => {
    if (!props.initData) return;
    fetchMe(props.initData).then(
      (user) => setMe({ state: "ready", user }),
      (error: Error) =>
        setMe({
          state: "failed",
          outsideTelegram: error instanceof ApiError && error.status === 401,
          reason: error.message,
        }),
    );
  }, [props.initData]);

  const language = pickLanguage(me.state === "ready" ? me.user.language_code : navigator.language);
  useEffect(() => void (document.documentElement.lang = language), [language]);
  const t = messages[language];
  const push = (screen: Screen) => setStack([...stack, screen]);
  const pop = () => setStack(stack.slice(0, -1));

  if (me.state === "loading") return <main class="screen" aria-busy="true">{t.loading}</main>;
  if (me.state === "failed") {
    return (
      <main class="screen">
        <p class="notice" role="alert">{me.outsideTelegram ? t.outsideTelegram : t.failed(me.reason ?? "")}</p>
      </main>
    );
  }
  const screen = stack[stack.length - 1];
  return (
    <main class="screen">
      {stack.length > 1 && <BackButton label={t.back} onClick={pop} />}
      {screen === "home" && <Home t={t} user={me.user} onOpen={push} />}
      {screen === "profile" && <Profile t={t} user={me.user} onDone={pop} />}
    </main>
  );
}

function Home(props: { t: Messages; user: AppUser; onOpen(screen: Screen): void }) {
  return (
    <>
      <h1>{props.t.hello(props.user.first_name)}</h1>
      <p class="hint">{props.t.intro}</p>
      <nav class="list">
        <button type="button" class="list-item" onClick={() => props.onOpen("profile")}>
          <span>{props.t.profile}</span>
          <span class="chevron" aria-hidden="true">›</span>
        </button>
      </nav>
    </>
  );
}

function Profile(props: { t: Messages; user: AppUser; onDone(): void }) {
  const { t, user } = props;
  return (
    <>
      <h1>{t.profile}</h1>
      <dl class="section">
        <dt>{t.id}</dt>
        <dd>{user.id}</dd>
        <dt>{t.username}</dt>
        <dd>{user.username ? `@${user.username}` : t.none}</dd>
        <dt>{t.language}</dt>
        <dd>{user.language_code ?? t.none}</dd>
      </dl>
      <MainButton text={t.done} onClick={props.onDone} />
    </>
  );
}
