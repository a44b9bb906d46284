/// <reference lib="dom" />
// Signing in: inside Telegram with the Mini App's initData, through the one-time link the bot's
// /admin command sends (#login=<token>), by pasting that link here, or through Telegram's login
// page (the Login Widget's redirect flow: its script is not allowed by the console's CSP).
import { useEffect, useState } from "preact/hooks";
import { telegramLoginUrl, widgetFieldsFrom } from "./telegram_login.ts";
import { api } from "./api.ts";
import { ErrorNote } from "./components.tsx";
import type { SessionAnswer } from "./types.ts";
import { readLaunchParams } from "../shared/launch_params.ts";
import { href, navigate } from "./router.ts";

/** The token from a pasted link (…/admin#login=TOKEN) or the bare token. */
export function tokenFrom(input: string): string {
  const match = /[#&?]login=([^&\s]+)/.exec(input);
  return decodeURIComponent(match ? match[1] : input.trim());
}

/** Signs in with what the URL fragment carries, if anything, and wipes it from the address bar. */
export async function signInFromFragment(): Promise<SessionAnswer | undefined> {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ""));
  const token = fragment.get("login");
  const widget = widgetFieldsFrom(fragment.get("tgAuthResult") ?? "");
  const initData = readLaunchParams().initData;
  if (!token && !widget && !initData) return undefined;
  // The credential is single-use or personal: keep it out of history and screenshots.
  navigate(href(["events"]), { replace: true });
  if (token) return await api.loginLink(token);
  return widget ? await api.loginWidget(widget) : await api.loginWebApp(initData!);
}

export function SignIn(props: { error?: Error; onSignedIn(answer: SessionAnswer): void }) {
  const [link, setLink] = useState("");
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const [botId, setBotId] = useState<number>();
  useEffect(() => {
    api.loginOptions().then((options) => setBotId(options.telegramLogin?.botId), () => {});
  }, []);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      props.onSignedIn(await api.loginLink(tokenFrom(link)));
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <h1>Admin console</h1>
      <p>
        Send <code>/admin</code>{" "}
        to the bot. It answers admins with a one-time sign-in link: open it in this browser, or paste it below.
      </p>
      <form onSubmit={submit} class="stacked">
        <label class="stacked">
          Sign-in link or token
          <input value={link} autoComplete="off" onInput={(e) => setLink(e.currentTarget.value)} required />
        </label>
        <button type="submit" disabled={busy || !link.trim()}>{busy ? "Signing in…" : "Sign in"}</button>
      </form>
      {botId !== undefined && (
        <p>
          <a class="button" href={telegramLoginUrl(botId, location.origin, `${location.origin}/admin`)}>
            Log in with Telegram
          </a>
        </p>
      )}
      <ErrorNote error={error ?? props.error} />
    </main>
  );
}
