/// <reference lib="dom" />
// The audit log: what admins did, newest first, with the state before and after.
import { useState } from "preact/hooks";
import { api } from "./api.ts";
import { ErrorNote, Json, StreamLink, Time, useLoad } from "./components.tsx";
import { href, navigate, type Route } from "./router.ts";
import type { AuditEntry } from "./types.ts";

export function AuditScreen(props: { route: Route }) {
  const admin = props.route.query.get("admin") ?? undefined;
  const page = useLoad(() => api.audit(admin), admin ?? "");
  const [more, setMore] = useState<{ admin?: string; entries: AuditEntry[]; cursor: string | null; error?: Error }>();
  const [open, setOpen] = useState<string>();
  const extra = more && more.admin === admin ? more : undefined;
  const entries = [...(page.data?.entries ?? []), ...(extra?.entries ?? [])];
  const cursor = extra ? extra.cursor : page.data?.nextCursor ?? null;

  const loadMore = async () => {
    if (!cursor) return;
    try {
      const next = await api.audit(admin, cursor);
      setMore({ admin, entries: [...(extra?.entries ?? []), ...next.entries], cursor: next.nextCursor });
    } catch (error) {
      setMore({ admin, entries: extra?.entries ?? [], cursor, error: error as Error });
    }
  };
  const filter = (event: Event) => {
    event.preventDefault();
    const value = String(new FormData(event.currentTarget as HTMLFormElement).get("admin") ?? "").trim();
    navigate(href(["audit"], { admin: value || undefined }));
  };

  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">Audit log</h2>
      <form class="inline" onSubmit={filter} key={admin}>
        <label>
          Admin id <input name="admin" inputMode="numeric" defaultValue={admin} />
        </label>
        <button type="submit">Filter</button>
        <button type="button" onClick={page.reload}>Refresh</button>
      </form>
      <ErrorNote error={page.state === "failed" ? page.error : null} />
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Time</th>
              <th>Admin</th>
              <th>Action</th>
              <th>Stream</th>
              <th>Summary</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => {
              const id = String(entry.position);
              return [
                <tr key={id}>
                  <td>
                    <Time iso={entry.at} />
                  </td>
                  <td>{entry.adminId}</td>
                  <td>
                    <button type="button" class="link" onClick={() => setOpen(open === id ? undefined : id)}>
                      {entry.action}
                    </button>
                  </td>
                  <td>
                    <StreamLink streamId={entry.streamId} />
                  </td>
                  <td>{entry.summary}</td>
                </tr>,
                open === id && (
                  <tr key={`${id}-details`} class="details">
                    <td colSpan={5}>
                      <div class="split">
                        <div>
                          <h4>Before</h4>
                          <Json value={entry.before} label="Before" />
                        </div>
                        <div>
                          <h4>After</h4>
                          <Json value={entry.after} label="After" />
                        </div>
                      </div>
                    </td>
                  </tr>
                ),
              ];
            })}
          </tbody>
        </table>
      </div>
      {page.state === "loading" && <p class="muted">Loading…</p>}
      {page.state === "ready" && entries.length === 0 && <p class="muted">No admin actions recorded.</p>}
      <ErrorNote error={extra?.error} />
      {cursor && <button type="button" onClick={loadMore}>Load more</button>}
    </section>
  );
}
