/// <reference lib="dom" />
// An ad's page: its text, "Write" (an anonymous chat that goes on in the bot) and "Share" for
// others; "Edit", "Close"/"Reopen" and the chats' statistics for its author.
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../shared/http.ts";
import { detectHost, postEvent } from "../shared/telegram_bridge.ts";
import type { AdView } from "./api.ts";
import { formatPrice, type Messages } from "./messages.ts";
import { MainButton } from "./telegram_buttons.tsx";
import type { ScreenProps } from "./screens.ts";

/** What to tell the user when the chat cannot be opened. */
function chatRefusal(t: Messages, error: unknown): string {
  if (!(error instanceof ApiError)) return t.failed(String(error));
  // The app's own 404 for a path nobody serves: the chats API is not deployed yet.
  if (error.status === 404 && error.message.startsWith("no route")) return t.chatsSoon;
  if (error.status === 404) return t.notFound;
  if (error.status === 409) return t.cannotWrite;
  return t.failed(error.message);
}

/** Telegram's own share sheet inside Telegram; the plain link elsewhere. */
function shareLink(shareUrl: string, title: string): { href: string; onClick(event: Event): void } {
  const path = `/share/url?url=${encodeURIComponent(shareUrl)}&text=${encodeURIComponent(title)}`;
  return {
    href: `https://t.me${path}`,
    onClick: (event) => {
      if (detectHost() === "browser") return;
      event.preventDefault();
      postEvent("web_app_open_tg_link", { path_full: path });
    },
  };
}

export function AdScreen(props: ScreenProps & { adId: string }) {
  const { t, language, api, adId } = props;
  const [loaded, setLoaded] = useState<{ ad?: AdView; shareUrl?: string | null; error?: string }>({});
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api.ad(adId).then(
      ({ ad, shareUrl }) => setLoaded({ ad, shareUrl }),
      (error: Error) =>
        setLoaded({ error: error instanceof ApiError && error.status === 404 ? t.notFound : t.failed(error.message) }),
    );
  }, [adId]);

  // The user's own latest write wins over what the read model answered (or has not got yet).
  const own = props.changed[adId];
  const ad = loaded.ad ? { ...loaded.ad, ...own } : own && { ...own, createdAt: "", updatedAt: "" };
  if (!ad) {
    if (loaded.error) return <p class="notice" role="alert">{loaded.error}</p>;
    return <p class="hint" aria-busy="true">{t.loading}</p>;
  }

  const act = async (action: () => Promise<void>) => {
    setBusy(true);
    setNotice(undefined);
    try {
      await action();
    } finally {
      setBusy(false);
    }
  };
  const write = () =>
    act(async () => {
      try {
        await api.writeToAuthor(adId);
        setNotice(t.chatOpened);
        // The bot has told both sides already; the conversation goes on there.
        setTimeout(() => postEvent("web_app_close"), 1500);
      } catch (error) {
        setNotice(chatRefusal(t, error));
      }
    });
  const toggle = () =>
    act(async () => {
      try {
        props.onChanged(await api.setOpen(adId, ad.status === "closed"));
      } catch (error) {
        setNotice(t.failed(error instanceof Error ? error.message : String(error)));
      }
    });

  const date = ad.createdAt && new Date(ad.createdAt).toLocaleDateString(language === "ru" ? "ru-RU" : "en-GB");
  const share = loaded.shareUrl ? shareLink(loaded.shareUrl, ad.title) : undefined;
  return (
    <article class="ad-page">
      <h1>{ad.title}</h1>
      <p class="ad-price">{formatPrice(t, language, ad.price)}</p>
      <p class="ad-meta">{ad.city} · {t.categories[ad.category]}</p>
      {ad.status === "closed" && <p class="notice">{t.closedNotice}</p>}
      {ad.description && <p class="ad-description">{ad.description}</p>}
      {ad.photoCount > 0 && <p class="hint">{t.photos(ad.photoCount)}</p>}
      {date && <p class="hint">{t.published(date)}</p>}
      {notice && <p class="notice" role="status">{notice}</p>}
      <div class="actions">
        {ad.mine && (
          <button type="button" class="secondary-button" disabled={busy} onClick={toggle}>
            {ad.status === "active" ? t.close : t.reopen}
          </button>
        )}
        {ad.mine && (
          <button
            type="button"
            class="secondary-button"
            onClick={() => props.push({ name: "adStats", adId, title: ad.title })}
          >
            {t.statistics}
          </button>
        )}
        {share && (
          <a class="secondary-button" href={share.href} target="_blank" rel="noopener" onClick={share.onClick}>
            {t.share}
          </a>
        )}
      </div>
      {ad.mine && <p class="hint">{t.yourAd}</p>}
      {props.active && ad.mine && <MainButton text={t.edit} onClick={() => props.push({ name: "form", ad })} />}
      {props.active && !ad.mine && ad.status === "active" && (
        <MainButton text={t.write} disabled={busy} progress={busy} onClick={write} />
      )}
    </article>
  );
}
