/// <reference lib="dom" />
// Outbound integrations: subscriptions (create, pause, rotate the secret, delete), the dead letters
// with "Redeliver", and one subscription's delivery log (#/integrations/<id>).
import { useState } from "preact/hooks";
import { ErrorNote, Time, useLoad } from "./components.tsx";
import { href } from "./router.ts";
import { type DeliveryRow, integrationsApi } from "./integrations_api.ts";

export function IntegrationsScreen(props: { subscriptionId?: string }) {
  const subs = useLoad(() => integrationsApi.subscriptions(), "subscriptions");
  const topics = useLoad(() => integrationsApi.topics(), "topics");
  const dead = useLoad(() => integrationsApi.deadLetters(), "dead");
  const [error, setError] = useState<Error>();
  const [secret, setSecret] = useState<string>();
  const [form, setForm] = useState({ name: "", url: "", topics: [] as string[] });

  const act = async (action: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await action();
      subs.reload();
      dead.reload();
    } catch (e) {
      setError(e as Error);
    }
  };
  const create = (event: Event) => {
    event.preventDefault();
    act(async () => {
      const answer = await integrationsApi.create(form);
      setSecret(answer.secret);
      setForm({ name: "", url: "", topics: [] });
    });
  };
  const toggleTopic = (name: string) =>
    setForm((f) => ({
      ...f,
      topics: f.topics.includes(name) ? f.topics.filter((t) => t !== name) : [...f.topics, name],
    }));

  return (
    <section aria-labelledby="integrations-title">
      <h2 id="integrations-title">Integrations</h2>
      <ErrorNote error={(subs.state === "failed" ? subs.error : null) ?? error} />
      {secret && (
        <p role="status">
          Signing secret (shown once): <code>{secret}</code>{" "}
          <button type="button" onClick={() => setSecret(undefined)}>Hide</button>
        </p>
      )}
      <table aria-label="Subscriptions">
        <thead>
          <tr>
            <th>Name</th>
            <th>URL</th>
            <th>Topics</th>
            <th>Status</th>
            <th>Pending / delivered / dead</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {(subs.data?.subscriptions ?? []).map((s) => (
            <tr key={s.subscription_id}>
              <td>
                <a href={href(["integrations", s.subscription_id])}>{s.name}</a>
              </td>
              <td>{s.url}</td>
              <td>{s.topics.join(", ")}</td>
              <td>{s.status}</td>
              <td>{s.pending} / {s.delivered} / {s.dead}</td>
              <td>
                <button
                  type="button"
                  onClick={() =>
                    act(() => integrationsApi.update(s.subscription_id, { active: s.status !== "active" }))}
                >
                  {s.status === "active" ? "Pause" : "Resume"}
                </button>{" "}
                <button
                  type="button"
                  onClick={() => act(async () => setSecret((await integrationsApi.rotate(s.subscription_id)).secret))}
                >
                  Rotate secret
                </button>{" "}
                <button
                  type="button"
                  class="danger"
                  onClick={() => act(() => integrationsApi.remove(s.subscription_id))}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={create} aria-label="New subscription">
        <label>
          Name <input value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} />
        </label>{" "}
        <label>
          URL <input type="url" value={form.url} onInput={(e) => setForm({ ...form, url: e.currentTarget.value })} />
        </label>
        <fieldset>
          <legend>Topics</legend>
          {(topics.data?.topics ?? []).map((t) => (
            <label key={t.name} title={t.description}>
              <input type="checkbox" checked={form.topics.includes(t.name)} onChange={() => toggleTopic(t.name)} />{" "}
              {t.name}
              {" "}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={!form.name || !form.url || form.topics.length === 0}>Add subscription</button>
      </form>
      {props.subscriptionId && <DeliveryLog key={props.subscriptionId} subscriptionId={props.subscriptionId} />}
      <h3>Dead letters</h3>
      <Deliveries
        label="Dead letters"
        rows={dead.data?.deadLetters ?? []}
        redeliver={(id) => act(() => integrationsApi.redeliver(id))}
      />
    </section>
  );
}

function DeliveryLog(props: { subscriptionId: string }) {
  const [status, setStatus] = useState("all");
  const log = useLoad(() => integrationsApi.deliveries(props.subscriptionId, status), `log:${status}`);
  return (
    <>
      <h3>Delivery log</h3>
      <label>
        Status{" "}
        <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
          {["all", "pending", "retrying", "delivered", "dead"].map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
      </label>
      <ErrorNote error={log.state === "failed" ? log.error : null} />
      <Deliveries label="Delivery log" rows={log.data?.deliveries ?? []} />
    </>
  );
}

function Deliveries(props: { label: string; rows: DeliveryRow[]; redeliver?: (id: string) => void }) {
  return (
    <table aria-label={props.label}>
      <thead>
        <tr>
          <th>Event</th>
          <th>Topic</th>
          <th>Status</th>
          <th>Attempts</th>
          <th>Last answer</th>
          <th>Updated</th>
          {props.redeliver && <th></th>}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((d) => (
          <tr key={d.delivery_id}>
            <td>
              <Time iso={d.occurred_at} />
            </td>
            <td>{d.topic}{d.subscription_name ? ` → ${d.subscription_name}` : ""}</td>
            <td>{d.status}</td>
            <td>{d.attempts}</td>
            <td>{d.dead_reason ?? d.last_error ?? d.last_status_code ?? "—"}</td>
            <td>
              <Time iso={d.updated_at} />
            </td>
            {props.redeliver && (
              <td>
                <button type="button" onClick={() => props.redeliver!(d.delivery_id)}>Redeliver</button>
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
