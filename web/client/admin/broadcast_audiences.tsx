/// <reference lib="dom" />
// Audiences: saved segments (language, activity, source, tags, behaviour, an uploaded CSV of ids)
// with a live count while they are edited, and a CSV export.
import { useEffect, useState } from "preact/hooks";
import { ErrorNote, useLoad } from "./components.tsx";
import { type AudienceFilter, type AudienceView, broadcastApi } from "./broadcast_api.ts";

const behaviours = [
  ["posted_ad", "Posted an ad"],
  ["has_booking", "Has a booking"],
  ["paid", "Paid"],
] as const;

const list = (text: string) => text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
const days = (text: string) => (text ? Number(text) : undefined);

/** A filter editor with the live number of subscribers it selects. */
export function FilterEditor(props: { filter: AudienceFilter; onChange(filter: AudienceFilter): void }) {
  const f = props.filter;
  const set = (change: Partial<AudienceFilter>) => {
    const next: Record<string, unknown> = { ...f, ...change };
    for (const [key, value] of Object.entries(next)) {
      if (value === undefined || (Array.isArray(value) && value.length === 0)) delete next[key];
    }
    props.onChange(next as AudienceFilter);
  };
  const [count, setCount] = useState<number | Error>();
  useEffect(() => {
    const timer = setTimeout(() => broadcastApi.count(f).then((r) => setCount(r.count), (e) => setCount(e)), 300);
    return () => clearTimeout(timer);
  }, [JSON.stringify(f)]);
  const has = (kind: string) => f.behaviour?.some((b) => b.kind === kind) ?? false;
  const toggle = (kind: (typeof behaviours)[number][0], on: boolean) =>
    set({ behaviour: [...(f.behaviour ?? []).filter((b) => b.kind !== kind), ...(on ? [{ kind }] : [])] });
  const upload = async (file: File | undefined) => {
    if (!file) return;
    try {
      set({ userIds: (await broadcastApi.idsFromCsv(await file.text())).userIds });
    } catch (error) {
      setCount(error as Error);
    }
  };
  return (
    <fieldset>
      <legend>Who</legend>
      <label>
        Languages {(["ru", "en"] as const).map((l) => (
          <label key={l}>
            <input
              type="checkbox"
              checked={f.languages?.includes(l) ?? false}
              onChange={(e) =>
                set({
                  languages: (e.target as HTMLInputElement).checked
                    ? [...(f.languages ?? []), l]
                    : (f.languages ?? []).filter((x) => x !== l),
                })}
            />
            {l}
          </label>
        ))}
      </label>
      <label>
        Active within days{" "}
        <input
          type="number"
          min={1}
          value={f.activeWithinDays ?? ""}
          onChange={(e) => set({ activeWithinDays: days((e.target as HTMLInputElement).value) })}
        />
      </label>
      <label>
        Inactive for days{" "}
        <input
          type="number"
          min={1}
          value={f.inactiveForDays ?? ""}
          onChange={(e) => set({ inactiveForDays: days((e.target as HTMLInputElement).value) })}
        />
      </label>
      <label>
        Sources (/start payloads){" "}
        <input
          value={f.sources?.join(" ") ?? ""}
          onChange={(e) => set({ sources: list((e.target as HTMLInputElement).value) })}
        />
      </label>
      <label>
        Tags (any){" "}
        <input
          value={f.tags?.join(" ") ?? ""}
          onChange={(e) => set({ tags: list((e.target as HTMLInputElement).value) })}
        />
      </label>
      {behaviours.map(([kind, label]) => (
        <label key={kind}>
          <input
            type="checkbox"
            checked={has(kind)}
            onChange={(e) => toggle(kind, (e.target as HTMLInputElement).checked)}
          />
          {label}
        </label>
      ))}
      <label>
        Booked service (id){" "}
        <input
          value={f.behaviour?.find((b) => b.kind === "booked_service")?.serviceId ?? ""}
          onChange={(e) => {
            const serviceId = (e.target as HTMLInputElement).value.trim();
            set({
              behaviour: [
                ...(f.behaviour ?? []).filter((b) => b.kind !== "booked_service"),
                ...(serviceId ? [{ kind: "booked_service" as const, serviceId }] : []),
              ],
            });
          }}
        />
      </label>
      <label>
        Subscriber ids from a CSV{" "}
        <input type="file" accept=".csv,text/csv" onChange={(e) => upload((e.target as HTMLInputElement).files?.[0])} />
        {f.userIds && (
          <span>
            {f.userIds.length} ids <button type="button" onClick={() => set({ userIds: undefined })}>Clear</button>
          </span>
        )}
      </label>
      <p aria-live="polite">
        {count instanceof Error
          ? <ErrorNote error={count} />
          : count === undefined
          ? "Counting…"
          : <strong>{count} subscribers now</strong>}
      </p>
    </fieldset>
  );
}

function AudienceForm(props: { audience?: AudienceView; onSaved(): void }) {
  const [name, setName] = useState(props.audience?.name ?? "");
  const [filter, setFilter] = useState<AudienceFilter>(props.audience?.filter ?? {});
  const [error, setError] = useState<Error>();
  const save = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      await broadcastApi.saveAudience(props.audience?.audienceId, name, filter);
      props.onSaved();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form class="card" onSubmit={save} aria-label="Audience">
      <label>
        Name <input value={name} required onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      </label>
      <FilterEditor filter={filter} onChange={setFilter} />
      <ErrorNote error={error} />
      <button type="submit">Save audience</button>
    </form>
  );
}

export function AudiencesTab() {
  const audiences = useLoad(() => broadcastApi.audiences(), "audiences");
  const [editing, setEditing] = useState<AudienceView | "new" | undefined>();
  const [error, setError] = useState<Error>();
  const remove = async (id: string) => {
    try {
      await broadcastApi.deleteAudience(id);
      setTimeout(audiences.reload, 300);
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <div>
      <button type="button" onClick={() => setEditing("new")}>New audience</button>
      {editing && (
        <AudienceForm
          key={editing === "new" ? "new" : editing.audienceId}
          audience={editing === "new" ? undefined : editing}
          onSaved={() => {
            setEditing(undefined);
            setTimeout(audiences.reload, 300);
          }}
        />
      )}
      <ErrorNote error={error ?? (audiences.state === "failed" ? audiences.error : null)} />
      <ul>
        {audiences.data?.audiences.map((a) => (
          <li key={a.audienceId}>
            <strong>{a.name}</strong> <code>{JSON.stringify(a.filter).slice(0, 120)}</code>{" "}
            <button type="button" onClick={() => setEditing(a)}>Edit</button>{" "}
            <a href={broadcastApi.exportUrl(a.audienceId)} download>Export CSV</a>{" "}
            <button type="button" onClick={() => remove(a.audienceId)}>Delete</button>
          </li>
        ))}
      </ul>
    </div>
  );
}
