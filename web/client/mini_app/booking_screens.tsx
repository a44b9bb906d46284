/// <reference lib="dom" />
// The Mini App's booking: choose a service, a day on the month calendar (days without free time
// marked), a free time, check the saved name and phone, confirm; and My bookings with cancelling.
// Every rule is the server's: a refused booking comes back with the reason or the nearest free times.
import "./booking.css";
import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError } from "../shared/http.ts";
import type { BookableService, MyBooking, SlotOption } from "./booking_api.ts";
import { BookingCalendar } from "./booking_calendar.tsx";
import { bookingWords, dayLabel } from "./booking_messages.ts";
import { MainButton } from "./telegram_buttons.tsx";
import type { ScreenProps } from "./screens.ts";

export function BookingServicesScreen(props: ScreenProps) {
  const w = bookingWords[props.language];
  const [services, setServices] = useState<BookableService[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    props.api.booking.services().then(setServices, (e: Error) => setError(e.message));
  }, []);
  return (
    <>
      <h1>{w.chooseService}</h1>
      {error && <p class="notice" role="alert">{props.t.failed(error)}</p>}
      {!services && !error && <p class="hint">{props.t.loading}</p>}
      {services?.length === 0 && <p class="notice">{w.noServices}</p>}
      <nav class="list">
        {services?.map((s) => (
          <button
            type="button"
            class="list-item"
            key={s.serviceId}
            onClick={() => props.push({ name: "bookingDay", service: s })}
          >
            <span>
              <strong>{s.name}</strong>
              <br />
              <span class="booking-status">
                {w.minutes(s.durationMinutes)}
                {s.price !== null && ` · ${w.price(s.price)}`}
                {s.description && ` · ${s.description}`}
              </span>
            </span>
            <span class="chevron" aria-hidden="true">›</span>
          </button>
        ))}
      </nav>
    </>
  );
}

interface Month {
  month: string;
  free: Record<string, number>;
  today: string;
  lastDate: string;
}

export function BookingDayScreen(props: ScreenProps & { service: BookableService }) {
  const { service, language } = props;
  const w = bookingWords[language];
  const api = props.api.booking;
  const [month, setMonth] = useState<string>();
  const [days, setDays] = useState<Month>();
  const [date, setDate] = useState<string>();
  const [slots, setSlots] = useState<SlotOption[]>();
  const [slot, setSlot] = useState<SlotOption>();
  const [contact, setContact] = useState({ name: "", phone: "" });
  const [errors, setErrors] = useState<{ name?: string; phone?: string; form?: string }>({});
  const [alternatives, setAlternatives] = useState<SlotOption[]>([]);
  const [saving, setSaving] = useState(false);
  // One key per chosen slot: a confirm retried after a lost answer books once.
  const key = useMemo(() => crypto.randomUUID(), [slot?.startsAt]);

  const loadMonth = (wanted?: string) => {
    const asked = wanted ?? new Date().toISOString().slice(0, 7);
    api.days(service.serviceId, asked).then((answer) => {
      // The first view opens on the business "today"'s month, which the server knows.
      const shown = wanted ?? answer.today.slice(0, 7);
      if (shown !== asked) return loadMonth(shown);
      setMonth(shown);
      setDays({
        month: shown,
        free: Object.fromEntries(answer.days.map((d) => [d.date, d.free])),
        today: answer.today,
        lastDate: answer.lastDate,
      });
    }, (e: Error) => setErrors({ form: props.t.failed(e.message) }));
  };
  useEffect(() => {
    loadMonth();
    api.profile().then((profile) => setContact((c) => c.name || c.phone ? c : profile), () => {});
  }, []);

  const chooseDay = (chosen: string) => {
    setDate(chosen);
    setSlot(undefined);
    setSlots(undefined);
    setAlternatives([]);
    api.slots(service.serviceId, chosen).then(setSlots, (e: Error) => setErrors({ form: props.t.failed(e.message) }));
  };
  const goMonth = (next: string) => {
    setMonth(next);
    setDays(undefined);
    loadMonth(next);
  };

  const confirm = async () => {
    if (!slot) return;
    setSaving(true);
    setErrors({});
    setAlternatives([]);
    try {
      const answer = await api.book(
        { serviceId: service.serviceId, date: slot.date, time: slot.time, ...contact },
        key,
      );
      props.replace({
        name: "myBookings",
        notice: w.booked(answer.booking.serviceName, dayLabel(language, answer.booking.date), answer.booking.time),
        expect: { bookingId: answer.booking.bookingId, status: "confirmed" },
      });
    } catch (error) {
      if (error instanceof ApiError && error.field === "body.name") setErrors({ name: w.nameHint });
      else if (error instanceof ApiError && error.field === "body.phone") setErrors({ phone: w.phoneHint });
      else if (error instanceof ApiError && error.status === 409) {
        // The slot went meanwhile: show the server's nearest free times, and refresh the day.
        const nearest = (error.body?.alternatives as SlotOption[] | undefined) ?? [];
        setAlternatives(nearest);
        const code = String(error.body?.code ?? "");
        setErrors({ form: nearest.length > 0 ? w.taken : w.reasons[code] ?? error.message });
        if (date) chooseDay(date);
      } else setErrors({ form: props.t.failed(error instanceof Error ? error.message : String(error)) });
    } finally {
      setSaving(false);
    }
  };

  const earliest = days?.today.slice(0, 7);
  const latest = days?.lastDate.slice(0, 7);
  return (
    <>
      <h1>{service.name}</h1>
      <p class="hint">
        {w.minutes(service.durationMinutes)}
        {service.price !== null && ` · ${w.price(service.price)}`}
      </p>
      <h2>{w.chooseDay}</h2>
      {month && (
        <BookingCalendar
          month={month}
          language={language}
          free={days?.free ?? {}}
          loading={!days}
          selected={date}
          min={earliest}
          max={latest}
          words={{ previousMonth: w.previousMonth, nextMonth: w.nextMonth, noSlots: w.noSlots }}
          onMonth={goMonth}
          onSelect={chooseDay}
        />
      )}
      {date && (
        <section aria-label={w.chooseTime}>
          <h2>{w.chooseTime}: {dayLabel(language, date)}</h2>
          {!slots && <p class="hint">{props.t.loading}</p>}
          {slots?.length === 0 && <p class="notice">{w.noTimeThatDay}</p>}
          <div class="slots">
            {slots?.map((s) => (
              <button
                type="button"
                class="slot"
                key={s.startsAt}
                aria-pressed={slot?.startsAt === s.startsAt}
                onClick={() => setSlot(s)}
              >
                {s.time}
              </button>
            ))}
          </div>
        </section>
      )}
      {slot && (
        <form class="ad-form" aria-label={w.contact} onSubmit={(e) => (e.preventDefault(), confirm())}>
          <h2>{w.contact}</h2>
          <label class="field">
            <span>{w.name}</span>
            <input
              value={contact.name}
              maxLength={100}
              autoComplete="name"
              aria-invalid={errors.name !== undefined}
              onInput={(e) => setContact((c) => ({ ...c, name: e.currentTarget.value }))}
            />
            {errors.name && <span class="field-error" role="alert">{errors.name}</span>}
          </label>
          <label class="field">
            <span>{w.phone}</span>
            <input
              value={contact.phone}
              type="tel"
              maxLength={20}
              autoComplete="tel"
              placeholder="+7"
              aria-invalid={errors.phone !== undefined}
              onInput={(e) => setContact((c) => ({ ...c, phone: e.currentTarget.value }))}
            />
            {errors.phone && <span class="field-error" role="alert">{errors.phone}</span>}
          </label>
        </form>
      )}
      {errors.form && <p class="notice" role="alert">{errors.form}</p>}
      {alternatives.length > 0 && (
        <div class="slots" aria-label={w.taken}>
          {alternatives.map((a) => (
            <button
              type="button"
              class="slot"
              key={a.startsAt}
              onClick={() => {
                if (a.date !== date) chooseDay(a.date);
                setSlot(a);
                setAlternatives([]);
              }}
            >
              {a.date === date ? a.time : `${dayLabel(language, a.date)} ${a.time}`}
            </button>
          ))}
        </div>
      )}
      {props.active && slot && (
        <MainButton
          text={w.confirm(`${dayLabel(language, slot.date)}, ${slot.time}`)}
          progress={saving}
          disabled={saving}
          onClick={confirm}
        />
      )}
    </>
  );
}

function BookingItem(props: ScreenProps & { booking: MyBooking; cancelHours: number; onCancelled(): void }) {
  const { booking: b, language } = props;
  const w = bookingWords[language];
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string>();
  const cancel = async () => {
    setError(undefined);
    try {
      await props.api.booking.cancel(b.bookingId);
      props.onCancelled();
    } catch (e) {
      setError(e instanceof ApiError && e.status === 409 ? w.tooLate(props.cancelHours) : String((e as Error).message));
    }
  };
  return (
    <li class="booking-item" aria-label={`${b.serviceName}, ${b.date} ${b.time}`}>
      <strong>{dayLabel(language, b.date)}, {b.time}</strong> — {b.serviceName}
      <div class="booking-status">{w.status[b.status] ?? b.status}</div>
      {b.status === "confirmed" && (b.canCancel
        ? (
          <div class="actions">
            {confirming
              ? (
                <>
                  <button type="button" class="secondary-button" onClick={cancel}>{w.confirmCancel}</button>
                  <button type="button" class="secondary-button" onClick={() => setConfirming(false)}>{w.keep}</button>
                </>
              )
              : <button type="button" class="secondary-button" onClick={() => setConfirming(true)}>{w.cancel}</button>}
          </div>
        )
        : <p class="hint">{w.tooLate(props.cancelHours)}</p>)}
      {error && <p class="field-error" role="alert">{error}</p>}
    </li>
  );
}

type MyList = { upcoming: MyBooking[]; past: MyBooking[]; cancelHours: number };

export function MyBookingsScreen(
  props: ScreenProps & { notice?: string; expect?: { bookingId: string; status: string } },
) {
  const w = bookingWords[props.language];
  const [data, setData] = useState<MyList>();
  const [notice, setNotice] = useState(props.notice);
  const [error, setError] = useState<string>();
  /**
   * Loads the list; when a change of the user's own is not in it yet (the read model trails the
   * write by a moment), asks again a few times rather than show the old state.
   */
  const load = async (expect = props.expect, tries = 12) => {
    try {
      const list = await props.api.booking.my();
      const found = [...list.upcoming, ...list.past].find((b) => b.bookingId === expect?.bookingId);
      if (expect && found?.status !== expect.status && tries > 0) setTimeout(() => load(expect, tries - 1), 400);
      setData(list);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => void load(), []);
  const list = (title: string, items: MyBooking[]) =>
    items.length > 0 && (
      <>
        <h2>{title}</h2>
        <ul class="list" aria-label={title}>
          {items.map((b) => (
            <BookingItem
              {...props}
              key={b.bookingId}
              booking={b}
              cancelHours={data!.cancelHours}
              onCancelled={() => {
                setNotice(w.cancelled);
                load({ bookingId: b.bookingId, status: "cancelled" });
              }}
            />
          ))}
        </ul>
      </>
    );
  return (
    <>
      <h1>{w.myBookings}</h1>
      {notice && <p class="notice" role="status">{notice}</p>}
      {error && <p class="notice" role="alert">{props.t.failed(error)}</p>}
      {!data && !error && <p class="hint">{props.t.loading}</p>}
      {data && data.upcoming.length + data.past.length === 0 && <p class="hint">{w.none}</p>}
      {data && list(w.upcoming, data.upcoming)}
      {data && list(w.past, data.past)}
      {props.active && <MainButton text={w.book} onClick={() => props.push({ name: "booking" })} />}
    </>
  );
}
