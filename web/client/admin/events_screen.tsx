/// <reference lib="dom" />
// Event explorer: filter the log, newest first, page with the cursor, open an event to see its
// data, metadata and the events it caused.
import { useState } from "preact/hooks";
import { api } from "./api.ts";
import { ErrorNote, fromLocalInput, Json, StreamLink, Time, toLocalInput, useLoad } from "./components.tsx";
import { href, navigate, type Route } from "./router.ts";
import type { EventFilters, EventView } from "./types.ts";

const filterNames = ["stream", "type", "actor", "correlation", "from", "to"] as const;

function filtersOf(query: URLSearchParams): EventFilters {
  return Object.fromEntries(filterNames.map((name) => [name, query.get(name) ?? undefined]));
}

export function EventsScreen(props: { route: Route }) {
  const filters = filtersOf(props.route.query);
  const key = JSON.stringify(filters);
  const [more, setMore] = useState<{ key: string; events: EventView[]; cursor: string | null; error?: Error }>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [selected, setSelected] = useState<string>();
  const page = useLoad(() => api.events(filters), key);
  const types = useLoad(() => api.eventTypes(), "types");

  const extra = more?.key === key ? more : undefined;
  const events = [...(page.data?.events ?? []), ...(extra?.events ?? [])];
  const cursor = extra ? extra.cursor : page.data?.nextCursor ?? null;

  const loadMore = async () => {
    if (!cursor) return;
    setLoadingMore(true);
    try {
      const next = await api.events(filters, cursor);
      setMore({ key, events: [...(extra?.events ?? []), ...next.events], cursor: next.nextCursor });
    } catch (error) {
      setMore({ key, events: extra?.events ?? [], cursor, error: error as Error });
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <section aria-labelledby="events-title">
      <h2 id="events-title">Events</h2>
      <FilterForm filters={filters} types={types.data?.types ?? []} />
      <ErrorNote error={page.state === "failed" ? page.error : null} />
      <div class="split">
        <div class="table-wrap">
          <table class="events">
            <thead>
              <tr>
                <th>#</th>
                <th>Time</th>
                <th>Stream</th>
                <th>Ver.</th>
                <th>Type</th>
                <th>Actor</th>
              </tr>
            </thead>
            <tbody>
              {events.map((event) => (
                <tr key={event.eventId} class={event.eventId === selected ? "selected" : ""}>
                  <td>{event.position}</td>
                  <td>
                    <Time iso={event.createdAt} />
                  </td>
                  <td>
                    <StreamLink streamId={event.streamId} version={event.version} />
                  </td>
                  <td>{event.version}</td>
                  <td>
                    <button type="button" class="link" onClick={() => setSelected(event.eventId)}>{event.type}</button>
                  </td>
                  <td>{event.metadata.actor ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {page.state === "loading" && <p class="muted">Loading…</p>}
          {page.state === "ready" && events.length === 0 && <p class="muted">No events match these filters.</p>}
          <ErrorNote error={extra?.error} />
          {cursor && (
            <button type="button" onClick={loadMore} disabled={loadingMore}>
              {loadingMore ? "Loading…" : "Load more"}
            </button>
          )}
        </div>
        {selected && <EventPanel eventId={selected} onSelect={setSelected} onClose={() => setSelected(undefined)} />}
      </div>
    </section>
  );
}

function FilterForm(props: { filters: EventFilters; types: string[] }) {
  const { filters } = props;
  const submit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const value = (name: string) => String(form.get(name) ?? "").trim() || undefined;
    navigate(href(["events"], {
      stream: value("stream"),
      type: value("type"),
      actor: value("actor"),
      correlation: value("correlation"),
      from: fromLocalInput(value("from") ?? ""),
      to: fromLocalInput(value("to") ?? ""),
    }));
  };
  // Keyed by the filters so the fields show a followed link's values, not stale typing.
  return (
    <form class="filters" onSubmit={submit} key={JSON.stringify(filters)} aria-label="Event filters">
      <label>
        Stream <input name="stream" defaultValue={filters.stream} placeholder="user-123" />
      </label>
      <label>
        Type <input name="type" defaultValue={filters.type} list="event-types" placeholder="UserStarted" />
      </label>
      <datalist id="event-types">{props.types.map((type) => <option key={type} value={type} />)}</datalist>
      <label>
        Actor <input name="actor" defaultValue={filters.actor} placeholder="user:123, admin:7, system" />
      </label>
      <label>
        Correlation <input name="correlation" defaultValue={filters.correlation} />
      </label>
      <label>
        From <input type="datetime-local" name="from" defaultValue={toLocalInput(filters.from)} />
      </label>
      <label>
        To <input type="datetime-local" name="to" defaultValue={toLocalInput(filters.to)} />
      </label>
      <div class="actions">
        <button type="submit">Filter</button>
        <a href={href(["events"])}>Clear</a>
      </div>
    </form>
  );
}

function EventPanel(props: { eventId: string; onSelect(id: string): void; onClose(): void }) {
  const detail = useLoad(() => api.event(props.eventId), props.eventId);
  const event = detail.data?.event;
  return (
    <aside class="panel" aria-label="Event details">
      <div class="panel-head">
        <h3>{event?.type ?? "Event"}</h3>
        <button type="button" onClick={props.onClose} aria-label="Close details">×</button>
      </div>
      <ErrorNote error={detail.state === "failed" ? detail.error : null} />
      {event && (
        <>
          <dl class="facts">
            <dt>Event id</dt>
            <dd>
              <code>{event.eventId}</code>
            </dd>
            <dt>Stream</dt>
            <dd>
              <StreamLink streamId={event.streamId} version={event.version}>
                {event.streamId} @ v{event.version}
              </StreamLink>
            </dd>
            <dt>Position</dt>
            <dd>{event.position}</dd>
            <dt>Schema</dt>
            <dd>v{event.schemaVersion}</dd>
            <dt>Recorded</dt>
            <dd>
              <Time iso={event.createdAt} />
            </dd>
            {event.metadata.correlation_id && (
              <>
                <dt>Correlation</dt>
                <dd>
                  <a href={href(["events"], { correlation: event.metadata.correlation_id })}>
                    all events of this correlation
                  </a>
                </dd>
              </>
            )}
            {event.metadata.causation_id && (
              <>
                <dt>Caused by</dt>
                <dd>
                  <button type="button" class="link" onClick={() => props.onSelect(event.metadata.causation_id!)}>
                    {event.metadata.causation_id}
                  </button>
                </dd>
              </>
            )}
          </dl>
          <h4>Data</h4>
          <Json value={event.data} label="Event data" />
          <h4>Metadata</h4>
          <Json value={event.metadata} label="Event metadata" />
          <h4>Caused events</h4>
          {detail.data!.caused.length === 0 ? <p class="muted">None.</p> : (
            <ul class="caused">
              {detail.data!.caused.map((caused) => (
                <li key={caused.eventId}>
                  <button type="button" class="link" onClick={() => props.onSelect(caused.eventId)}>
                    {caused.type}
                  </button>{" "}
                  in <StreamLink streamId={caused.streamId} version={caused.version} />
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </aside>
  );
}
