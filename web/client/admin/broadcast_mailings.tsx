/// <reference lib="dom" />
// Mailings: the list, the composer (HTML text, a photo or document, up to 3 URL or answer buttons,
// a Russian and an optional English variant, the audience with its live count), and a mailing's
// page: preview in Telegram, send now or schedule, pause/resume/cancel, a live progress bar over
// server-sent events, and the failures as CSV.
import { useEffect, useState } from "preact/hooks";
import { ErrorNote, fromLocalInput, Time, useLoad } from "./components.tsx";
import { href, navigate } from "./router.ts";
import {
  type AudienceFilter,
  broadcastApi,
  type Draft,
  type MailingContent,
  type MailingProgress,
} from "./broadcast_api.ts";
import { FilterEditor } from "./broadcast_audiences.tsx";

type Variant = MailingContent["variants"]["ru"];
type Button = Variant["buttons"][number];

function VariantEditor(props: { label: string; variant: Variant; onChange(v: Variant): void }) {
  const v = props.variant;
  const setButton = (i: number, button: Button | undefined) =>
    props.onChange({
      ...v,
      buttons: button ? v.buttons.map((b, j) => (j === i ? button : b)) : v.buttons.filter((_, j) => j !== i),
    });
  return (
    <fieldset>
      <legend>{props.label}</legend>
      <label>
        Text (HTML: &lt;b&gt;, &lt;i&gt;, &lt;a href&gt;…){" "}
        <textarea
          rows={5}
          value={v.text}
          onInput={(e) => props.onChange({ ...v, text: (e.target as HTMLTextAreaElement).value })}
        />
      </label>
      <label>
        Media{" "}
        <select
          value={v.media?.kind ?? ""}
          onChange={(e) => {
            const kind = (e.target as HTMLSelectElement).value as "photo" | "document" | "";
            props.onChange({ ...v, media: kind ? { kind, file: v.media?.file ?? "" } : undefined });
          }}
        >
          <option value="">none</option>
          <option value="photo">photo</option>
          <option value="document">document</option>
        </select>
        {v.media && (
          <input
            placeholder="file_id or https:// URL"
            value={v.media.file}
            onInput={(e) =>
              props.onChange({ ...v, media: { ...v.media!, file: (e.target as HTMLInputElement).value } })}
          />
        )}
      </label>
      {v.buttons.map((b, i) => (
        <div key={i}>
          <input
            aria-label={`Button ${i + 1} text`}
            value={b.text}
            onInput={(e) => setButton(i, { ...b, text: (e.target as HTMLInputElement).value })}
          />
          {"url" in b
            ? (
              <input
                aria-label={`Button ${i + 1} URL`}
                value={b.url}
                onInput={(e) => setButton(i, { text: b.text, url: (e.target as HTMLInputElement).value })}
              />
            )
            : (
              <input
                aria-label={`Button ${i + 1} answer`}
                value={b.answer}
                onInput={(e) => setButton(i, { text: b.text, answer: (e.target as HTMLInputElement).value })}
              />
            )}
          <button type="button" onClick={() => setButton(i, undefined)}>Remove</button>
        </div>
      ))}
      {v.buttons.length < 3 && (
        <span>
          <button
            type="button"
            onClick={() => props.onChange({ ...v, buttons: [...v.buttons, { text: "", url: "https://" }] })}
          >
            + URL button
          </button>{" "}
          <button
            type="button"
            onClick={() => props.onChange({ ...v, buttons: [...v.buttons, { text: "", answer: "" }] })}
          >
            + answer button
          </button>
        </span>
      )}
    </fieldset>
  );
}

const emptyVariant = (): Variant => ({ text: "", buttons: [] });

function Composer(props: { paidAllowed: boolean; onCreated(id: string): void }) {
  const audiences = useLoad(() => broadcastApi.audiences(), "audiences");
  const [title, setTitle] = useState("");
  const [ru, setRu] = useState<Variant>(emptyVariant());
  const [en, setEn] = useState<Variant | undefined>();
  const [audienceId, setAudienceId] = useState<string>("");
  const [filter, setFilter] = useState<AudienceFilter>({});
  const [paid, setPaid] = useState(false);
  const [error, setError] = useState<Error>();
  const create = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    const draft: Draft = {
      content: { title, variants: en ? { ru, en } : { ru } },
      audience: audienceId ? { audienceId } : { audienceId: null, filter },
      paid,
    };
    try {
      props.onCreated((await broadcastApi.create(draft)).mailingId);
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form class="card" onSubmit={create} aria-label="New mailing">
      <label>
        Title <input value={title} required onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
      </label>
      <VariantEditor label="Russian (everyone without a variant of their own)" variant={ru} onChange={setRu} />
      {en
        ? <VariantEditor label="English" variant={en} onChange={setEn} />
        : <button type="button" onClick={() => setEn(emptyVariant())}>+ English variant</button>}
      <label>
        Audience{" "}
        <select value={audienceId} onChange={(e) => setAudienceId((e.target as HTMLSelectElement).value)}>
          <option value="">a filter of its own…</option>
          {audiences.data?.audiences.map((a) => <option key={a.audienceId} value={a.audienceId}>{a.name}</option>)}
        </select>
      </label>
      {!audienceId && <FilterEditor filter={filter} onChange={setFilter} />}
      {props.paidAllowed && (
        <label>
          <input type="checkbox" checked={paid} onChange={(e) => setPaid((e.target as HTMLInputElement).checked)} />
          Paid broadcast (up to 1,000 msg/s, 0.1 Star per message)
        </label>
      )}
      <ErrorNote error={error} />
      <button type="submit">Create draft</button>
    </form>
  );
}

function ProgressBar(props: { progress: MailingProgress }) {
  const p = props.progress;
  const done = p.total - p.left;
  const eta = p.etaSeconds === null ? "—" : `${Math.floor(p.etaSeconds / 60)} min ${p.etaSeconds % 60} s`;
  return (
    <div aria-label="Progress">
      <progress max={Math.max(1, p.total)} value={done} />{" "}
      <span>
        {p.status}: sent {p.sent}, failed {p.failed}, blocked {p.blocked}, skipped {p.skipped}, in doubt{" "}
        {p.inDoubt}, left {p.left} of {p.total} · {p.rate} msg/s · ETA {eta}
      </span>
      {p.reason && <p class="error">{p.reason}</p>}
    </div>
  );
}

function MailingPage(props: { mailingId: string }) {
  const id = props.mailingId;
  const detail = useLoad(() => broadcastApi.mailing(id), id);
  const [progress, setProgress] = useState<MailingProgress>();
  const [override, setOverride] = useState(false);
  const [at, setAt] = useState("");
  const [error, setError] = useState<Error>();
  const [note, setNote] = useState("");
  useEffect(() => {
    const source = new EventSource(broadcastApi.progressUrl(id));
    source.addEventListener("progress", (e) => setProgress(JSON.parse((e as MessageEvent).data)));
    return () => source.close();
  }, [id, detail.data?.progress.status]);
  const run = (what: string, action: () => Promise<unknown>) => async () => {
    setError(undefined);
    try {
      await action();
      setNote(what);
      detail.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  const status = progress?.status ?? detail.data?.progress.status;
  const m = detail.data?.mailing;
  return (
    <article class="card" aria-label={`Mailing ${id}`}>
      <p>
        <a href={href(["broadcasts", "mailings"])}>← All mailings</a>
      </p>
      <h3>{m?.content.title ?? id}</h3>
      {m?.scheduledAt && (
        <p>
          Scheduled for <Time iso={m.scheduledAt} />
        </p>
      )}
      {(progress ?? detail.data?.progress) && <ProgressBar progress={(progress ?? detail.data?.progress)!} />}
      <div class="actions">
        <button type="button" onClick={run("Preview sent to you in Telegram", () => broadcastApi.preview(id))}>
          Preview in Telegram
        </button>
        {(status === "draft" || status === "scheduled") && (
          <>
            <label>
              <input
                type="checkbox"
                checked={override}
                onChange={(e) => setOverride((e.target as HTMLInputElement).checked)}
              />
              Override the audience size limit
            </label>
            <button type="button" onClick={run("Started", () => broadcastApi.send(id, override))}>Send now</button>
            <input type="datetime-local" value={at} onInput={(e) => setAt((e.target as HTMLInputElement).value)} />
            <button
              type="button"
              disabled={!fromLocalInput(at)}
              onClick={run("Scheduled", () => broadcastApi.schedule(id, fromLocalInput(at)!, override))}
            >
              Schedule
            </button>
          </>
        )}
        {status === "scheduled" && (
          <button
            type="button"
            onClick={run("Unscheduled", () => broadcastApi.act(id, "unschedule"))}
          >
            Unschedule
          </button>
        )}
        {(status === "sending" || status === "starting") && (
          <button
            type="button"
            onClick={run("Paused", () => broadcastApi.act(id, "pause"))}
          >
            Pause
          </button>
        )}
        {status === "paused" && (
          <button type="button" onClick={run("Resumed", () => broadcastApi.act(id, "resume"))}>Resume</button>
        )}
        {status && !["completed", "cancelled", "failed"].includes(status) && (
          <button
            type="button"
            onClick={run("Cancelled", () => broadcastApi.act(id, "cancel"))}
          >
            Cancel
          </button>
        )}
        <a href={broadcastApi.reportUrl(id)} download>Failures (CSV)</a>
      </div>
      {note && <p class="muted" aria-live="polite">{note}</p>}
      <ErrorNote error={error ?? (detail.state === "failed" ? detail.error : null)} />
    </article>
  );
}

export function MailingsTab(props: { mailingId?: string }) {
  const list = useLoad(() => broadcastApi.mailings(), `list:${props.mailingId ?? ""}`);
  const [composing, setComposing] = useState(false);
  if (props.mailingId) return <MailingPage key={props.mailingId} mailingId={props.mailingId} />;
  const policy = list.data?.policy;
  return (
    <div>
      {policy && (
        <p class="muted">
          {policy.ratePerSecond} msg/s · cooldown {Math.round(policy.cooldownMs / 60_000)}{" "}
          min between mailings · audiences above {policy.maxAudience} need the override
        </p>
      )}
      <button type="button" onClick={() => setComposing(!composing)}>New mailing</button>
      {composing && (
        <Composer
          paidAllowed={policy?.paidAllowed ?? false}
          onCreated={(id) => navigate(href(["broadcasts", "mailings", id]))}
        />
      )}
      <ErrorNote error={list.state === "failed" ? list.error : null} />
      <table>
        <thead>
          <tr>
            <th>Title</th>
            <th>Status</th>
            <th>Sent / total</th>
            <th>Failed</th>
            <th>Blocked</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.mailings.map((m) => (
            <tr key={m.mailing_id}>
              <td>
                <a href={href(["broadcasts", "mailings", m.mailing_id])}>{m.title}</a>
              </td>
              <td>{m.status}{m.paid ? " (paid)" : ""}</td>
              <td>{m.sent} / {m.total}</td>
              <td>{m.failed}</td>
              <td>{m.blocked}</td>
              <td>
                <Time iso={m.created_at} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
