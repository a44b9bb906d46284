/// <reference lib="dom" />
// An ad's chat statistics, for its author only: how many buyers wrote, how many messages went each
// way, how fast the author answers and who still waits; buyers appear by their per-ad number.
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../shared/http.ts";
import type { AdStats } from "./api.ts";
import type { Language, Messages } from "./messages.ts";
import type { ScreenProps } from "./screens.ts";

function when(language: Language, iso: string | null, t: Messages): string {
  if (!iso) return t.stats.never;
  return new Date(iso).toLocaleString(language === "ru" ? "ru-RU" : "en-GB", {
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
  });
}

export function AdStatsScreen(props: ScreenProps & { adId: string; title: string }) {
  const { t, language, api, adId } = props;
  const [loaded, setLoaded] = useState<{ stats?: AdStats; error?: string }>({});
  useEffect(() => {
    api.adStats(adId).then(
      (stats) => setLoaded({ stats }),
      (error: Error) =>
        setLoaded({ error: error instanceof ApiError && error.status === 404 ? t.notFound : t.failed(error.message) }),
    );
  }, [adId]);

  const { stats } = loaded;
  if (!stats) {
    if (loaded.error) return <p class="notice" role="alert">{loaded.error}</p>;
    return <p class="hint" aria-busy="true">{t.loading}</p>;
  }
  const s = t.stats;
  const response = stats.totals.avgResponseSeconds;
  return (
    <article class="ad-stats">
      <h1>{s.title(props.title)}</h1>
      <dl class="section" aria-label={t.statistics}>
        <dt>{s.chats}</dt>
        <dd>{stats.totals.chats} ({s.active}: {stats.totals.active})</dd>
        <dt>{s.messages}</dt>
        <dd>{stats.totals.messages}</dd>
        <dt>{s.response}</dt>
        <dd>{response === null ? s.never : s.duration(response)}</dd>
        <dt>{s.unanswered}</dt>
        <dd>{stats.totals.unanswered}</dd>
        <dt>{s.lastActivity}</dt>
        <dd>{when(language, stats.totals.lastActivity, t)}</dd>
      </dl>
      {stats.chats.length === 0 ? <p class="hint">{s.noChats}</p> : (
        <ul class="list" aria-label={s.chats}>
          {stats.chats.map((chat) => (
            <li key={chat.chatId} class="list-item stats-chat">
              <span>
                <strong>{s.buyer(chat.buyerNumber)}</strong>
                {chat.status === "ended" && <span class="hint">· {s.ended}</span>}
                <br />
                <span class="hint">
                  {s.fromBuyer(chat.messages.buyer)} · {s.fromYou(chat.messages.seller)}
                  {chat.unanswered > 0 && ` · ${s.unanswered}: ${chat.unanswered}`}
                </span>
              </span>
              <span class="hint">{when(language, chat.lastActivity, t)}</span>
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}
