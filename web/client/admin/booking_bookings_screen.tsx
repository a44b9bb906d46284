/// <reference lib="dom" />
// Bookings: by day or period, client, status, service or a search, with the CSV export and a day's
// bulk cancel; a booking's page edits any field (the server checks the slot), marks it completed or
// no-show, cancels with a reason or soft-deletes it, and shows its history old → new.
import "./booking.css";
import { useState } from "preact/hooks";
import { type AdminBookingView, bookingApi, type BookingEdit, type BookingFilters } from "./booking_api.ts";
import { ChoiceSelect, ErrorNote, Json, Time, useLoad } from "./components.tsx";
import { href, navigate, type Route } from "./router.ts";

const statuses = [
  ["", "All but deleted"],
  ["confirmed", "Confirmed"],
  ["completed", "Completed"],
  ["cancelled", "Cancelled"],
  ["no_show", "No-show"],
  ["deleted", "Deleted"],
  ["all", "Everything"],
] as const;

const statusLabels: Record<string, string> = {
  confirmed: "confirmed",
  completed: "completed",
  cancelled: "cancelled",
  no_show: "no-show",
  deleted: "deleted",
};

export function StatusBadge(props: { status: string }) {
  return (
    <span class={`booking-status booking-status-${props.status}`}>{statusLabels[props.status] ?? props.status}</span>
  );
}

const filterNames = ["date", "from", "to", "status", "serviceId", "userId", "q"] as const;

function filtersOf(route: Route): BookingFilters {
  const filters: BookingFilters = {};
  for (const name of filterNames) {
    const value = route.query.get(name);
    if (value) filters[name] = value;
  }
  return filters;
}

/** Runs a write, then reloads; its error stays on screen. */
function useAction(after: () => void) {
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<unknown>) => {
    setError(undefined);
    setBusy(true);
    try {
      await action();
      after();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, run };
}

function DayCancel(props: { date: string; count: number; onDone(): void }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [result, setResult] = useState<string>();
  const action = useAction(props.onDone);
  if (props.count === 0) return null;
  if (!open) {
    return (
      <button type="button" class="danger" onClick={() => setOpen(true)}>
        Cancel all bookings on {props.date}…
      </button>
    );
  }
  const submit = (event: Event) => {
    event.preventDefault();
    action.run(async () => {
      const answer = await bookingApi.bulkCancel(props.date, reason.trim());
      setResult(`Cancelled ${answer.cancelled.length}, failed ${answer.failed.length}. Each client was told.`);
      setOpen(false);
    });
  };
  return (
    <form class="inline" onSubmit={submit} aria-label={`Cancel the bookings on ${props.date}`}>
      <label>
        Reason for the clients{" "}
        <input value={reason} maxLength={500} onInput={(e) => setReason(e.currentTarget.value)} />
      </label>
      <button type="submit" class="danger" disabled={action.busy}>Confirm: cancel the day's bookings</button>
      <button type="button" onClick={() => setOpen(false)}>Keep them</button>
      <ErrorNote error={action.error} />
      {result && <p class="success" role="status">{result}</p>}
    </form>
  );
}

function BookingList(props: { route: Route }) {
  const filters = filtersOf(props.route);
  const key = JSON.stringify(filters);
  const page = useLoad(() => bookingApi.bookings(filters), key);
  const services = useLoad(() => bookingApi.services(), "services");
  const [more, setMore] = useState<{ key: string; rows: AdminBookingView[]; next: number | null }>();
  const extra = more?.key === key ? more : undefined;
  const rows = [...(page.data?.bookings ?? []), ...(extra?.rows ?? [])];
  const next = extra ? extra.next : page.data?.nextOffset ?? null;
  const loadMore = async () => {
    if (next === null) return;
    const answer = await bookingApi.bookings(filters, next);
    setMore({ key, rows: [...(extra?.rows ?? []), ...answer.bookings], next: answer.nextOffset });
  };
  const submit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const query: Record<string, string | undefined> = {};
    for (const name of filterNames) query[name] = String(form.get(name) ?? "").trim() || undefined;
    navigate(href(["bookings"], query));
  };
  return (
    <section aria-labelledby="bookings-title">
      <h2 id="bookings-title">Bookings</h2>
      <form class="filters" onSubmit={submit} key={key}>
        <label>
          Day <input type="date" name="date" defaultValue={filters.date} />
        </label>
        <label>
          From <input type="date" name="from" defaultValue={filters.from} />
        </label>
        <label>
          To <input type="date" name="to" defaultValue={filters.to} />
        </label>
        <label>
          Status{" "}
          <ChoiceSelect
            name="status"
            initial={filters.status}
            choices={statuses.map(([value, label]) => ({ value, label }))}
          />
        </label>
        <label>
          Service{" "}
          <ChoiceSelect
            name="serviceId"
            initial={filters.serviceId}
            choices={[
              { value: "", label: "All services" },
              ...(services.data?.services ?? []).map((s) => ({ value: s.serviceId, label: s.name })),
            ]}
          />
        </label>
        <label>
          Client id <input name="userId" inputMode="numeric" defaultValue={filters.userId} />
        </label>
        <label>
          Name, phone or id <input name="q" type="search" defaultValue={filters.q} />
        </label>
        <div class="actions">
          <button type="submit">Show</button>
          <a href={bookingApi.exportUrl(filters)} download>Export CSV</a>
        </div>
      </form>
      <ErrorNote error={page.state === "failed" ? page.error : null} />
      {filters.date && <DayCancel date={filters.date} count={page.data?.total ?? 0} onDone={page.reload} />}
      <p class="muted">
        {page.data
          ? `${page.data.total} bookings${page.data.fromToday ? ` from today (${page.data.fromToday}) on` : ""}`
          : "Loading…"}
      </p>
      <div class="table-wrap">
        <table aria-label="Bookings">
          <thead>
            <tr>
              <th>Date</th>
              <th>Time</th>
              <th>Service</th>
              <th>Client</th>
              <th>Phone</th>
              <th>Status</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {rows.map((b) => (
              <tr key={b.bookingId}>
                <td>
                  <a href={href(["bookings"], { date: b.date })}>{b.date}</a>
                </td>
                <td>{b.time}–{b.endTime}</td>
                <td>{b.serviceName}</td>
                <td>
                  <a href={href(["bookings"], { userId: b.userId, status: "all" })} title="This client's bookings">
                    {b.name}
                  </a>
                </td>
                <td>{b.phone}</td>
                <td>
                  <StatusBadge status={b.status} />
                </td>
                <td>
                  <a href={href(["bookings", b.bookingId])}>Open</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {next !== null && <button type="button" onClick={loadMore}>Load more</button>}
    </section>
  );
}

function EditForm(props: { booking: AdminBookingView; onDone(): void }) {
  const b = props.booking;
  const services = useLoad(() => bookingApi.services(), "services");
  const action = useAction(props.onDone);
  const submit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const value = (name: string) => String(form.get(name) ?? "").trim();
    // Only what changed is sent, so the audit log names exactly the fields the admin touched.
    const changes: BookingEdit = {};
    if (value("date") !== b.date) changes.date = value("date");
    if (value("time") !== b.time) changes.time = value("time");
    if (value("serviceId") !== b.serviceId) changes.serviceId = value("serviceId");
    if (value("name") !== b.name) changes.name = value("name");
    if (value("phone") !== b.phone) changes.phone = value("phone");
    if (Object.keys(changes).length === 0) return;
    action.run(() => bookingApi.edit(b.bookingId, changes));
  };
  return (
    <form class="booking-edit" onSubmit={submit} aria-label="Edit the booking" key={b.updatedAt}>
      <label class="stacked">
        Date <input type="date" name="date" required defaultValue={b.date} />
      </label>
      <label class="stacked">
        Time <input type="time" name="time" step={300} required defaultValue={b.time} />
      </label>
      <label class="stacked">
        Service{" "}
        <ChoiceSelect
          name="serviceId"
          initial={b.serviceId}
          choices={(services.data?.services ?? [{ serviceId: b.serviceId, name: b.serviceName, active: true }]).map((
            s,
          ) => ({
            value: s.serviceId,
            label: s.active ? s.name : `${s.name} (inactive)`,
            disabled: !s.active && s.serviceId !== b.serviceId,
          }))}
        />
      </label>
      <label class="stacked">
        Name <input name="name" required defaultValue={b.name} />
      </label>
      <label class="stacked">
        Phone <input name="phone" type="tel" required defaultValue={b.phone} />
      </label>
      <div>
        <button type="submit" disabled={action.busy}>Save changes</button>
      </div>
      <ErrorNote error={action.error} />
    </form>
  );
}

function StatusActions(props: { booking: AdminBookingView; onDone(): void }) {
  const b = props.booking;
  const [reason, setReason] = useState("");
  const [confirmDelete, setConfirmDelete] = useState(false);
  const action = useAction(props.onDone);
  if (b.status === "deleted") return <p class="muted">Deleted: kept for the records only.</p>;
  return (
    <div>
      <div class="actions">
        {b.status !== "completed" && b.status !== "cancelled" && (
          <button
            type="button"
            onClick={() => action.run(() => bookingApi.setStatus(b.bookingId, "completed"))}
          >
            Mark completed
          </button>
        )}
        {b.status !== "no_show" && b.status !== "cancelled" && (
          <button
            type="button"
            onClick={() => action.run(() => bookingApi.setStatus(b.bookingId, "no_show"))}
          >
            Mark no-show
          </button>
        )}
        {(b.status === "completed" || b.status === "no_show") && (
          <button
            type="button"
            onClick={() => action.run(() => bookingApi.setStatus(b.bookingId, "confirmed"))}
          >
            Back to confirmed
          </button>
        )}
      </div>
      {b.status !== "cancelled" && (
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            action.run(() => bookingApi.cancel(b.bookingId, reason.trim()));
          }}
        >
          <label>
            Reason (told to the client){" "}
            <input value={reason} maxLength={500} onInput={(e) => setReason(e.currentTarget.value)} />
          </label>
          <button type="submit" class="danger">Cancel booking</button>
        </form>
      )}
      <div class="actions">
        {confirmDelete
          ? (
            <>
              <button type="button" class="danger" onClick={() => action.run(() => bookingApi.remove(b.bookingId))}>
                Confirm: delete {b.bookingId}
              </button>
              <button type="button" onClick={() => setConfirmDelete(false)}>Keep</button>
            </>
          )
          : <button type="button" onClick={() => setConfirmDelete(true)}>Delete…</button>}
      </div>
      <ErrorNote error={action.error} />
    </div>
  );
}

function BookingPage(props: { bookingId: string }) {
  const detail = useLoad(() => bookingApi.booking(props.bookingId), props.bookingId);
  // The read model follows a write within moments (the history, read from the log, at once):
  // reload now and a few times shortly after, rather than show the old booking beside the new history.
  const reload = () => {
    detail.reload();
    for (const ms of [300, 800, 1600]) setTimeout(detail.reload, ms);
  };
  const b = detail.data?.booking;
  return (
    <section aria-labelledby="booking-title">
      <p>
        <a href={href(["bookings"], b ? { date: b.date } : {})}>‹ Bookings</a>
      </p>
      <h2 id="booking-title">Booking {props.bookingId}</h2>
      <ErrorNote error={detail.state === "failed" ? detail.error : null} />
      {b && (
        <>
          <dl class="facts">
            <dt>When</dt>
            <dd>{b.date}, {b.time}–{b.endTime} ({b.durationMinutes} min)</dd>
            <dt>Service</dt>
            <dd>{b.serviceName} {b.price !== null && <span class="muted">{b.price} ₽</span>}</dd>
            <dt>Client</dt>
            <dd>
              {b.name}, {b.phone} <span class="muted">(user {b.userId})</span>
            </dd>
            <dt>Status</dt>
            <dd>
              <StatusBadge status={b.status} /> {b.cancelReason && <span>“{b.cancelReason}”</span>}
              {b.cancelledBy && <span class="muted">by {b.cancelledBy}</span>} {b.paid && <strong>paid</strong>}
            </dd>
            <dt>Created</dt>
            <dd>
              <Time iso={b.createdAt} />
            </dd>
          </dl>
          {b.status !== "deleted" && <EditForm booking={b} onDone={reload} />}
          <StatusActions booking={b} onDone={reload} />
          <h3>History</h3>
          <table aria-label="History">
            <thead>
              <tr>
                <th>When</th>
                <th>What</th>
                <th>Who</th>
                <th>Before</th>
                <th>After</th>
              </tr>
            </thead>
            <tbody>
              {detail.data!.history.map((h) => (
                <tr key={h.version}>
                  <td>
                    <Time iso={h.at} />
                  </td>
                  <td>{h.type}</td>
                  <td>{h.actor ?? "—"}</td>
                  <td>{h.before !== null && <Json value={h.before} />}</td>
                  <td>{h.after !== null && <Json value={h.after} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

export function BookingsScreen(props: { route: Route }) {
  const id = props.route.path[1];
  return id ? <BookingPage key={id} bookingId={id} /> : <BookingList route={props.route} />;
}
