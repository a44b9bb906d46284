/// <reference lib="dom" />
// Broadcasts: one section, four tabs — subscribers (tags), audiences (saved segments with a live
// count, CSV in and out), mailings (compose, preview, send or schedule, live progress) and auto-replies.
import { useState } from "preact/hooks";
import "./broadcast.css";
import { href, type Route } from "./router.ts";
import { ErrorNote, Time, useLoad } from "./components.tsx";
import { broadcastApi } from "./broadcast_api.ts";
import { AudiencesTab } from "./broadcast_audiences.tsx";
import { MailingsTab } from "./broadcast_mailings.tsx";
import { AutoRepliesTab } from "./broadcast_autoreplies.tsx";

const tabs = [
  ["mailings", "Mailings"],
  ["audiences", "Audiences"],
  ["subscribers", "Subscribers"],
  ["autoreplies", "Auto-replies"],
] as const;

export function BroadcastScreen(props: { route: Route }) {
  const [, tab = "mailings", id] = props.route.path;
  return (
    <section aria-label="Broadcasts">
      <nav class="tabs" aria-label="Broadcast tabs">
        {tabs.map(([name, label]) => (
          <a key={name} href={href(["broadcasts", name])} aria-current={tab === name ? "page" : undefined}>{label}</a>
        ))}
      </nav>
      {tab === "audiences" && <AudiencesTab />}
      {tab === "subscribers" && <SubscribersTab />}
      {tab === "autoreplies" && <AutoRepliesTab />}
      {tab === "mailings" && <MailingsTab mailingId={id} />}
    </section>
  );
}

function TagsEditor(props: { userId: number; tags: string[] }) {
  const [value, setValue] = useState(props.tags.join(" "));
  const [state, setState] = useState<"idle" | "saved" | Error>("idle");
  const save = async () => {
    try {
      await broadcastApi.setTags(props.userId, value.split(/[\s,]+/).filter(Boolean));
      setState("saved");
    } catch (error) {
      setState(error as Error);
    }
  };
  return (
    <span>
      <input
        aria-label={`Tags of ${props.userId}`}
        value={value}
        onInput={(e) => setValue((e.target as HTMLInputElement).value)}
      />{" "}
      <button type="button" onClick={save}>Save</button> {state === "saved" && <span class="muted">saved</span>}
      {state instanceof Error && <ErrorNote error={state} />}
    </span>
  );
}

function SubscribersTab() {
  const [tag, setTag] = useState("");
  const [offset, setOffset] = useState(0);
  const list = useLoad(() => broadcastApi.subscribers({ tag: tag || undefined, offset }), `${tag}:${offset}`);
  return (
    <div>
      <p>
        {list.data && `${list.data.total} subscribers, ${list.data.reachable} reachable (not blocked, no /stop).`}{" "}
        <label>
          Tag <input value={tag} onChange={(e) => setTag((e.target as HTMLInputElement).value)} />
        </label>
      </p>
      <ErrorNote error={list.state === "failed" ? list.error : null} />
      <table>
        <thead>
          <tr>
            <th>User</th>
            <th>Language</th>
            <th>Source</th>
            <th>First seen</th>
            <th>Last seen</th>
            <th>State</th>
            <th>Tags</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.rows.map((s) => (
            <tr key={s.userId}>
              <td>{s.userId}</td>
              <td>{s.language}</td>
              <td>{s.source ?? "—"}</td>
              <td>
                <Time iso={s.firstSeen} />
              </td>
              <td>
                <Time iso={s.lastSeen} />
              </td>
              <td>{s.blocked ? "blocked the bot" : s.optedOut ? "sent /stop" : "subscribed"}</td>
              <td>
                <TagsEditor userId={s.userId} tags={s.tags} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="actions">
        <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - 100))}>
          Newer
        </button>
        <button type="button" disabled={(list.data?.rows.length ?? 0) < 100} onClick={() => setOffset(offset + 100)}>
          Older
        </button>
      </div>
    </div>
  );
}
