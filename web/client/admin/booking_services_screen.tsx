/// <reference lib="dom" />
// Services and schedule: the catalogue (create, edit, move up/down, deactivate and restore; old
// bookings keep their service), the working week with breaks, slot step, buffers, notice, horizon
// and daily limit, and the days off (optionally cancelling that day's bookings, clients told).
import "./booking.css";
import { useState } from "preact/hooks";
import { type AdminServiceView, bookingApi, type ServiceForm } from "./booking_api.ts";
import { ErrorNote, useLoad } from "./components.tsx";
import type { ScheduleSettings } from "../../../events/booking.ts";

const weekdayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

function useAction(after: () => void) {
  const [error, setError] = useState<Error>();
  const run = async (action: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await action();
      after();
    } catch (e) {
      setError(e as Error);
    }
  };
  return { error, run };
}

function formOf(form: HTMLFormElement): ServiceForm {
  const data = new FormData(form);
  const price = String(data.get("price") ?? "").trim();
  return {
    name: String(data.get("name") ?? "").trim(),
    description: String(data.get("description") ?? "").trim(),
    durationMinutes: Number(data.get("durationMinutes")),
    price: price === "" ? null : Number(price),
  };
}

function ServiceFields(props: { service?: AdminServiceView }) {
  const s = props.service;
  return (
    <>
      <label class="stacked">
        Name <input name="name" required minLength={2} maxLength={100} defaultValue={s?.name} />
      </label>
      <label class="stacked">
        Description <input name="description" maxLength={1000} defaultValue={s?.description} />
      </label>
      <label class="stacked">
        Minutes{" "}
        <input
          name="durationMinutes"
          type="number"
          min={5}
          max={720}
          step={5}
          required
          defaultValue={String(s?.durationMinutes ?? 60)}
        />
      </label>
      <label class="stacked">
        Price, ₽ <input name="price" type="number" min={0} step={1} defaultValue={s?.price ?? ""} />
      </label>
    </>
  );
}

function Services() {
  const list = useLoad(() => bookingApi.services(), "services");
  const action = useAction(list.reload);
  const [editing, setEditing] = useState<string>();
  const services = list.data?.services ?? [];
  const move = (index: number, by: number) => {
    const ids = services.map((s) => s.serviceId);
    [ids[index], ids[index + by]] = [ids[index + by], ids[index]];
    action.run(() => bookingApi.reorderServices(ids));
  };
  return (
    <section aria-labelledby="services-title">
      <h2 id="services-title">Services</h2>
      <ErrorNote error={(list.state === "failed" ? list.error : null) ?? action.error} />
      <div class="table-wrap">
        <table aria-label="Services">
          <thead>
            <tr>
              <th>Order</th>
              <th>Name</th>
              <th>Minutes</th>
              <th>Price</th>
              <th>Upcoming</th>
              <th>All bookings</th>
              <th>Status</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {services.map((s, i) =>
              editing === s.serviceId
                ? (
                  <tr key={s.serviceId}>
                    <td colSpan={8}>
                      <form
                        class="booking-edit"
                        aria-label={`Edit ${s.name}`}
                        onSubmit={(e) => {
                          e.preventDefault();
                          const form = formOf(e.currentTarget);
                          action.run(async () => {
                            await bookingApi.updateService(s.serviceId, form);
                            setEditing(undefined);
                          });
                        }}
                      >
                        <ServiceFields service={s} />
                        <div class="actions">
                          <button type="submit">Save</button>
                          <button type="button" onClick={() => setEditing(undefined)}>Cancel</button>
                        </div>
                      </form>
                    </td>
                  </tr>
                )
                : (
                  <tr key={s.serviceId}>
                    <td>
                      <button
                        type="button"
                        aria-label={`Move ${s.name} up`}
                        disabled={i === 0}
                        onClick={() => move(i, -1)}
                      >
                        ↑
                      </button>
                      <button
                        type="button"
                        aria-label={`Move ${s.name} down`}
                        disabled={i === services.length - 1}
                        onClick={() => move(i, 1)}
                      >
                        ↓
                      </button>
                    </td>
                    <td>
                      <strong>{s.name}</strong>
                      {s.description && <div class="muted">{s.description}</div>}
                    </td>
                    <td>{s.durationMinutes}</td>
                    <td>{s.price === null ? "—" : `${s.price} ₽`}</td>
                    <td>{s.upcoming}</td>
                    <td>{s.total}</td>
                    <td>{s.active ? "active" : <span class="muted">inactive</span>}</td>
                    <td>
                      <button type="button" onClick={() => setEditing(s.serviceId)}>Edit</button>{" "}
                      <button
                        type="button"
                        onClick={() => action.run(() => bookingApi.setServiceActive(s.serviceId, !s.active))}
                      >
                        {s.active ? "Deactivate" : "Restore"}
                      </button>
                    </td>
                  </tr>
                )
            )}
          </tbody>
        </table>
      </div>
      <h3>New service</h3>
      <form
        class="booking-edit"
        aria-label="New service"
        onSubmit={(e) => {
          e.preventDefault();
          const element = e.currentTarget;
          const form = formOf(element);
          action.run(async () => {
            await bookingApi.createService(form);
            element.reset();
          });
        }}
      >
        <ServiceFields />
        <div>
          <button type="submit">Add service</button>
        </div>
      </form>
    </section>
  );
}

/** "13:00-14:00, 16:00-16:15" ⇄ the breaks list. */
const breaksText = (breaks: ScheduleSettings["breaks"]) => breaks.map((b) => `${b.start}-${b.end}`).join(", ");
function parseBreaks(text: string): ScheduleSettings["breaks"] {
  return text.split(",").map((part) => part.trim()).filter(Boolean).map((part) => {
    const [start = "", end = ""] = part.split(/\s*[-–]\s*/);
    return { start, end };
  });
}

function Schedule() {
  const schedule = useLoad(() => bookingApi.schedule(), "schedule");
  const action = useAction(schedule.reload);
  const [saved, setSaved] = useState(false);
  const settings = schedule.data?.settings;
  const submit = (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const number = (name: string) => Number(data.get(name));
    const limit = String(data.get("maxBookingsPerDay") ?? "").trim();
    const next: ScheduleSettings = {
      weekly: weekdayNames.map((_, i) =>
        data.get(`open${i}`) ? { start: String(data.get(`start${i}`)), end: String(data.get(`end${i}`)) } : null
      ),
      breaks: parseBreaks(String(data.get("breaks") ?? "")),
      slotStepMinutes: number("slotStepMinutes"),
      bufferBeforeMinutes: number("bufferBeforeMinutes"),
      bufferAfterMinutes: number("bufferAfterMinutes"),
      minNoticeMinutes: number("minNoticeMinutes"),
      horizonDays: number("horizonDays"),
      maxBookingsPerDay: limit === "" ? null : Number(limit),
    };
    setSaved(false);
    action.run(async () => {
      await bookingApi.setSchedule(next);
      setSaved(true);
    });
  };
  return (
    <section aria-labelledby="schedule-title">
      <h2 id="schedule-title">Schedule</h2>
      <ErrorNote error={(schedule.state === "failed" ? schedule.error : null) ?? action.error} />
      {settings && (
        <form onSubmit={submit} aria-label="Schedule settings" key={JSON.stringify(settings)}>
          <table aria-label="Working hours">
            <tbody>
              {weekdayNames.map((name, i) => {
                const hours = settings.weekly[i];
                return (
                  <tr key={name}>
                    <td>
                      <label>
                        <input type="checkbox" name={`open${i}`} defaultChecked={hours !== null} /> {name}
                      </label>
                    </td>
                    <td>
                      <input
                        type="time"
                        name={`start${i}`}
                        aria-label={`${name} from`}
                        defaultValue={hours?.start ?? "09:00"}
                      />
                      {" – "}
                      <input
                        type="time"
                        name={`end${i}`}
                        aria-label={`${name} to`}
                        defaultValue={hours?.end ?? "18:00"}
                      />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <div class="booking-edit">
            <label class="stacked">
              Breaks (every working day){" "}
              <input name="breaks" defaultValue={breaksText(settings.breaks)} placeholder="13:00-14:00" />
            </label>
            <label class="stacked">
              Slot step, min{" "}
              <input
                name="slotStepMinutes"
                type="number"
                min={5}
                max={240}
                defaultValue={String(settings.slotStepMinutes)}
              />
            </label>
            <label class="stacked">
              Buffer before, min{" "}
              <input
                name="bufferBeforeMinutes"
                type="number"
                min={0}
                max={240}
                defaultValue={String(settings.bufferBeforeMinutes)}
              />
            </label>
            <label class="stacked">
              Buffer after, min{" "}
              <input
                name="bufferAfterMinutes"
                type="number"
                min={0}
                max={240}
                defaultValue={String(settings.bufferAfterMinutes)}
              />
            </label>
            <label class="stacked">
              Minimum notice, min{" "}
              <input
                name="minNoticeMinutes"
                type="number"
                min={0}
                max={43200}
                defaultValue={String(settings.minNoticeMinutes)}
              />
            </label>
            <label class="stacked">
              Book ahead, days{" "}
              <input name="horizonDays" type="number" min={1} max={730} defaultValue={String(settings.horizonDays)} />
            </label>
            <label class="stacked">
              Max bookings a day{" "}
              <input
                name="maxBookingsPerDay"
                type="number"
                min={1}
                max={1000}
                placeholder="no limit"
                defaultValue={settings.maxBookingsPerDay ?? ""}
              />
            </label>
          </div>
          <div class="actions">
            <button type="submit">Save schedule</button>
            {saved && <span class="success" role="status">Saved.</span>}
          </div>
        </form>
      )}
      <DaysOff days={schedule.data?.daysOff ?? []} today={schedule.data?.today} onChange={schedule.reload} />
    </section>
  );
}

function DaysOff(props: { days: { date: string; reason: string }[]; today?: string; onChange(): void }) {
  const action = useAction(props.onChange);
  const [note, setNote] = useState<string>();
  const add = (event: Event) => {
    event.preventDefault();
    const element = event.currentTarget as HTMLFormElement;
    const data = new FormData(element);
    const date = String(data.get("date") ?? "");
    const reason = String(data.get("reason") ?? "").trim();
    const cancelBookings = data.get("cancelBookings") === "on";
    action.run(async () => {
      const answer = await bookingApi.addDayOff(date, reason, cancelBookings);
      setNote(
        cancelBookings ? `${date} is off; ${answer.cancelled.length} bookings cancelled, clients told.` : undefined,
      );
      element.reset();
    });
  };
  return (
    <>
      <h3>Days off and holidays</h3>
      <ErrorNote error={action.error} />
      {note && <p class="success" role="status">{note}</p>}
      <ul aria-label="Days off">
        {props.days.filter((d) => !props.today || d.date >= props.today).map((d) => (
          <li key={d.date}>
            {d.date} {d.reason && <span class="muted">— {d.reason}</span>}{" "}
            <button type="button" onClick={() => action.run(() => bookingApi.removeDayOff(d.date))}>Remove</button>
          </li>
        ))}
      </ul>
      <form class="inline" onSubmit={add} aria-label="Add a day off">
        <label>
          Date <input type="date" name="date" required min={props.today} />
        </label>
        <label>
          Reason <input name="reason" maxLength={200} />
        </label>
        <label>
          <input type="checkbox" name="cancelBookings" /> cancel that day's bookings
        </label>
        <button type="submit">Add day off</button>
      </form>
    </>
  );
}

export function BookingServicesScreen() {
  return (
    <>
      <Services />
      <Schedule />
    </>
  );
}
