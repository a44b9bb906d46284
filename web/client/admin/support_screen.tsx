/// <reference lib="dom" />
// Support: the inbox of visitors' conversations (waiting for an answer first), search by visitor,
// one conversation's history, the response-time figures, and the sites with their allowed origins.
import { useState } from "preact/hooks";
import { ErrorNote, Time, useLoad } from "./components.tsx";
import { href, navigate, type Route } from "./router.ts";
import { type InboxFilter, supportApi, type SupportSessionRow } from "./support_api.ts";
import { SupportSites } from "./support_sites.tsx";

const filters: [InboxFilter, string][] = [["waiting", "Waiting"], ["open", "Open"], ["closed", "Closed"], [
  "all",
  "All",
]];

/** "1 h 5 min", "42 s": response times at a glance. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

const who = (s: SupportSessionRow) => s.name ?? `Visitor #${s.number}`;

function Stats() {
  const stats = useLoad(() => supportApi.stats(), "stats");
  if (stats.state === "failed") return <ErrorNote error={stats.error} />;
  const d = stats.data;
  if (!d) return <p class="muted">Loading…</p>;
  const figures: [string, string][] = [
    ["First response, median", duration(d.firstResponse.medianMs)],
    ["First response, average", duration(d.firstResponse.averageMs)],
    ["Any answer, median", duration(d.response.medianMs)],
    ["Any answer, 90th percentile", duration(d.response.p90Ms)],
    ["Answers", String(d.answers)],
    ["Waiting now", String(d.waiting.count)],
  ];
  return (
    <dl class="figures" aria-label="Response times">
      {figures.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Inbox(props: { route: Route }) {
  const status = (props.route.query.get("status") ?? "waiting") as InboxFilter;
  const q = props.route.query.get("q") ?? "";
  const [search, setSearch] = useState(q);
  const inbox = useLoad(() => supportApi.inbox(status, q), `${status}|${q}`);
  const go = (next: { status?: string; q?: string }) =>
    navigate(href(["support"], { status: next.status ?? status, q: next.q ?? q }));
  return (
    <section aria-label="Inbox">
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          go({ q: search });
        }}
      >
        {filters.map(([value, label]) => (
          <button
            key={value}
            type="button"
            aria-pressed={status === value}
            onClick={() => go({ status: value })}
          >
            {label}
            {inbox.data && value !== "all" ? ` (${inbox.data.counts[value]})` : ""}
          </button>
        ))}
        <input
          type="search"
          placeholder="Name, e-mail, page, #number"
          aria-label="Search visitors"
          value={search}
          onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
        />
        <button type="submit">Search</button>
      </form>
      <ErrorNote error={inbox.state === "failed" ? inbox.error : null} />
      {inbox.data && inbox.data.sessions.length === 0 && <p class="muted">No conversations here.</p>}
      {inbox.data && inbox.data.sessions.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>Visitor</th>
              <th>Site</th>
              <th>Status</th>
              <th>Waiting since</th>
              <th>Messages</th>
              <th>Last</th>
            </tr>
          </thead>
          <tbody>
            {inbox.data.sessions.map((s) => (
              <tr key={s.sessionId}>
                <td>
                  <a href={href(["support", s.sessionId])}>{who(s)}</a>
                  {s.email ? <span class="muted">· {s.email}</span> : null}
                </td>
                <td>{s.site}</td>
                <td>{s.banned ? "blocked" : s.status}</td>
                <td>{s.waiting ? <Time iso={s.waitingSince ?? undefined} /> : "—"}</td>
                <td>{s.messages}</td>
                <td>
                  <Time iso={s.lastAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Conversation(props: { sessionId: string }) {
  const detail = useLoad(() => supportApi.session(props.sessionId), props.sessionId);
  const [error, setError] = useState<Error | null>(null);
  if (detail.state === "failed") return <ErrorNote error={detail.error} />;
  const d = detail.data;
  if (!d) return <p class="muted">Loading…</p>;
  const forget = () => {
    const typed = prompt(`Erase this visitor's messages, name, e-mail and files for good? Type ${props.sessionId}`);
    if (typed === props.sessionId) supportApi.forget(props.sessionId).then(() => detail.reload(), setError);
  };
  const toggleBan = () =>
    supportApi.setBanned(props.sessionId, !d.session.banned).then(() => detail.reload(), setError);
  return (
    <section aria-label="Conversation">
      <p>
        <a href={href(["support"])}>← Inbox</a>
      </p>
      <h2>{who(d.session)}</h2>
      <dl class="figures">
        {Object.entries(d.profile).map(([key, value]) => (
          <div key={key}>
            <dt>{key}</dt>
            <dd>{value ?? "—"}</dd>
          </div>
        ))}
        <div>
          <dt>status</dt>
          <dd>{d.session.banned ? "blocked" : d.session.status}</dd>
        </div>
        <div>
          <dt>earlier conversations</dt>
          <dd>{d.session.closures}</dd>
        </div>
      </dl>
      <button type="button" onClick={toggleBan}>{d.session.banned ? "Unblock visitor" : "Block visitor"}</button>{" "}
      <button type="button" onClick={forget}>Forget visitor (GDPR)…</button>
      <ErrorNote error={error} />
      <ol class="support-thread">
        {d.messages.map((m) => (
          <li key={m.id} class={`from-${m.from}`}>
            <strong>{m.from === "agent" ? m.agentName ?? "agent" : m.from}</strong> <Time iso={m.at} />
            {m.editedAt ? <span class="muted">(edited)</span> : null}
            <div>
              {m.deleted ? <em class="muted">deleted</em> : m.text}
              {m.attachment ? <span class="muted">📎 {m.attachment.name}</span> : null}
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}

export function SupportScreen(props: { route: Route }) {
  const [, id] = props.route.path;
  if (id === "sites") return <SupportSites />;
  return (
    <>
      <h1>Support</h1>
      <p>
        <a href={href(["support", "sites"])}>Sites and allowed origins →</a>
      </p>
      <Stats />
      {id ? <Conversation key={id} sessionId={id} /> : <Inbox route={props.route} />}
    </>
  );
}
