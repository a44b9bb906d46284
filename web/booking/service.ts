// Booking use cases, shared by the bot, the Mini App API and the admin console. Each one reads
// the facts it needs (catalogue, schedule, a day, a booking), sends the actors their commands in a
// safe order — the day's slot first, the booking after, the old slot released last — and keys every
// command by its cause, so a retried update or request changes nothing twice.
import { personalMask } from "../../projections/audit_log.ts";
import type { ActorRuntime, SendOptions } from "../../actors/runtime.ts";
import type { Sql } from "../../events/database.ts";
import { deterministicId } from "../../events/ids.ts";
import type { MarkableStatus, ServiceFields } from "../../events/booking.ts";
import { bookingDayActor, busyOf, type DayRules } from "../../actors/booking_day.ts";
import { bookingActor, type BookingState, moveRefusal, type Placement } from "../../actors/booking.ts";
import { bookingClientActor } from "../../actors/booking_client.ts";
import { bookingScheduleActor, type BookingScheduleCommand, scheduleId } from "../../actors/booking_schedule.ts";
import {
  bookingServicesActor,
  type BookingServicesCommand,
  catalogId,
  type CatalogService,
} from "../../actors/booking_services.ts";
import { freeSlots as freeStarts, type ScheduleSettings } from "../../actors/booking_rules.ts";
import { checkName, normalisePhone } from "../../actors/booking_contact.ts";
import { addDays, hhmm, instantOf, isValidDate, localOf, monthDays } from "../../actors/booking_time.ts";
import {
  type BookingRow,
  bookingsOfClient,
  busyByDay,
  listBookings,
  type ServiceRow,
} from "../../projections/booking_queries.ts";
import type { BookingPolicy } from "./policy.ts";

/** Why something happens: the key its commands' ids derive from, and who asked. */
export interface Cause {
  key: string;
  /** "user:42", "admin:7". */
  actor: string;
  metadata?: Record<string, unknown>;
}

export interface SlotOption {
  date: string;
  startMinute: number;
  time: string;
  startsAt: string;
}

export type Refusal = { ok: false; code: string; message: string; alternatives?: SlotOption[] };
export type Outcome<T = Record<never, never>> = ({ ok: true } & T) | Refusal;

export interface BookingServiceDeps {
  runtime: ActorRuntime;
  sql: Sql;
  policy: BookingPolicy;
}

/** How far nearest-free suggestions look ahead. */
const suggestionDays = 14;
/**
 * The catalogue and the schedule are read through their actors' mailboxes, one at a time; a hot
 * path of many bookings would queue there. Their state is caught up with the log at most this often
 * (what this process changed is seen at once, what another instance changed within this time).
 */
const sharedStateMaxAgeMs = 1000;

const refusal = (code: string, message: string, extra: Partial<Refusal> = {}): Refusal => ({
  ok: false,
  code,
  message,
  ...extra,
});

/** A 10-character base-36 id derived from a key: the same cause always names the same booking. */
export function keyedId(...parts: string[]): string {
  const hex = deterministicId("booking-id", ...parts).replaceAll("-", "").slice(0, 13);
  return (BigInt(`0x${hex}`) % 36n ** 10n).toString(36).padStart(10, "0");
}

const serviceRowOf = (s: CatalogService, position: number): ServiceRow => ({
  serviceId: s.serviceId,
  name: s.name,
  description: s.description,
  durationMinutes: s.durationMinutes,
  price: s.price,
  position,
  active: s.active,
});

export class BookingService {
  readonly #services;
  readonly #schedule;
  readonly #days;
  readonly #bookings;
  readonly #clients;
  readonly #caughtUp = new Map<string, number>();

  constructor(private readonly deps: BookingServiceDeps) {
    this.#services = deps.runtime.actor(bookingServicesActor);
    this.#schedule = deps.runtime.actor(bookingScheduleActor);
    this.#days = deps.runtime.actor(bookingDayActor);
    this.#bookings = deps.runtime.actor(bookingActor);
    this.#clients = deps.runtime.actor(bookingClientActor);
  }

  get policy(): BookingPolicy {
    return this.deps.policy;
  }

  now(): Date {
    return this.deps.runtime.clock.now();
  }

  /** Today in business time. */
  today(): string {
    return localOf(this.now(), this.deps.policy.utcOffsetMinutes).date;
  }

  #options(cause: Cause, step: string, metadata?: Record<string, unknown>): SendOptions {
    return {
      commandId: `${cause.key}:${step}`,
      actor: cause.actor,
      metadata: { ...cause.metadata, ...metadata },
    };
  }

  /** A shared actor's state, caught up with the log when the last look is older than the limit. */
  async #shared<S>(
    key: string,
    ref: { state(id: string): Promise<{ state: S }>; peek(id: string): Promise<S> },
    id: string,
  ): Promise<S> {
    const now = performance.now();
    if (now - (this.#caughtUp.get(key) ?? -Infinity) < sharedStateMaxAgeMs) return await ref.peek(id);
    this.#caughtUp.set(key, now);
    return (await ref.state(id)).state;
  }

  // ---- reading ----

  /** The catalogue in display order (the actor's state: a service created a moment ago is there). */
  async services(activeOnly = true): Promise<ServiceRow[]> {
    const state = await this.#shared("catalog", this.#services, catalogId);
    return state.order.map((id, i) => serviceRowOf(state.services[id], i)).filter((s) => !activeOnly || s.active);
  }

  async service(serviceId: string): Promise<ServiceRow | undefined> {
    return (await this.services(false)).find((s) => s.serviceId === serviceId);
  }

  async settings(): Promise<{ settings: ScheduleSettings; daysOff: Record<string, string> }> {
    const state = await this.#shared("schedule", this.#schedule, scheduleId);
    return { settings: state.settings, daysOff: state.daysOff };
  }

  #option(date: string, startMinute: number): SlotOption {
    return {
      date,
      startMinute,
      time: hhmm(startMinute),
      startsAt: instantOf(date, startMinute, this.deps.policy.utcOffsetMinutes).toISOString(),
    };
  }

  /** Every day of a month with how many starts are free for the service (0: none, or closed). */
  async freeDays(serviceId: string, month: string): Promise<{ date: string; free: number }[]> {
    const days = monthDays(month);
    if (days.length === 0) return [];
    const [service, { settings, daysOff }, busy] = await Promise.all([
      this.service(serviceId),
      this.settings(),
      busyByDay(this.deps.sql, days[0], days[days.length - 1]),
    ]);
    if (!service?.active) return days.map((date) => ({ date, free: 0 }));
    const now = this.now();
    return days.map((date) => ({
      date,
      free: freeStarts({
        date,
        settings,
        dayOff: date in daysOff,
        durationMinutes: service.durationMinutes,
        busy: busy.get(date) ?? [],
        now,
        utcOffsetMinutes: this.deps.policy.utcOffsetMinutes,
      }).length,
    }));
  }

  /** The free starts of one day, from the day actor itself (the judge of what is taken). */
  async freeSlots(serviceId: string, date: string, options: { ignoreBookingId?: string } = {}): Promise<SlotOption[]> {
    if (!isValidDate(date)) return [];
    const [service, { settings, daysOff }, day] = await Promise.all([
      this.service(serviceId),
      this.settings(),
      this.#days.state(date),
    ]);
    if (!service?.active) return [];
    return freeStarts({
      date,
      settings,
      dayOff: date in daysOff,
      durationMinutes: service.durationMinutes,
      busy: busyOf(day.state),
      now: this.now(),
      utcOffsetMinutes: this.deps.policy.utcOffsetMinutes,
      ignoreBookingId: options.ignoreBookingId,
    }).map((m) => this.#option(date, m));
  }

  /** The free starts nearest to the one asked for: that day by distance, then the following days. */
  async nearestFree(serviceId: string, date: string, startMinute: number, n = 3): Promise<SlotOption[]> {
    const sameDay = (await this.freeSlots(serviceId, date))
      .sort((a, b) => Math.abs(a.startMinute - startMinute) - Math.abs(b.startMinute - startMinute));
    const found = sameDay.slice(0, n);
    if (found.length >= n) return found.sort((a, b) => a.startMinute - b.startMinute);
    const service = await this.service(serviceId);
    if (!service) return found;
    const last = addDays(date, suggestionDays);
    const [{ settings, daysOff }, busy] = await Promise.all([
      this.settings(),
      busyByDay(this.deps.sql, addDays(date, 1), last),
    ]);
    for (let d = addDays(date, 1); d <= last && found.length < n; d = addDays(d, 1)) {
      const starts = freeStarts({
        date: d,
        settings,
        dayOff: d in daysOff,
        durationMinutes: service.durationMinutes,
        busy: busy.get(d) ?? [],
        now: this.now(),
        utcOffsetMinutes: this.deps.policy.utcOffsetMinutes,
      });
      for (const m of starts.slice(0, n - found.length)) found.push(this.#option(d, m));
    }
    return found;
  }

  async clientProfile(userId: number): Promise<{ name: string; phone: string } | null> {
    const { state } = await this.#clients.state(String(userId));
    return state.name && state.phone ? { name: state.name, phone: state.phone } : null;
  }

  /** The booking as its actor knows it now. */
  async booking(bookingId: string): Promise<BookingState | undefined> {
    const { state } = await this.#bookings.state(bookingId);
    return state.exists ? state : undefined;
  }

  /** A client's bookings: upcoming confirmed ones soonest first, the rest (past, cancelled) newest first. */
  async myBookings(userId: number): Promise<{ upcoming: BookingRow[]; past: BookingRow[] }> {
    const all = await bookingsOfClient(this.deps.sql, userId);
    const now = this.now().getTime();
    const upcoming = all.filter((b) => b.status === "confirmed" && Date.parse(b.startsAt) > now).reverse();
    const past = all.filter((b) => !upcoming.includes(b));
    return { upcoming, past };
  }

  // ---- placing ----

  async #rules(skipNotice = false): Promise<(date: string) => DayRules> {
    const { settings, daysOff } = await this.settings();
    return (date) => ({
      settings,
      dayOff: date in daysOff,
      utcOffsetMinutes: this.deps.policy.utcOffsetMinutes,
      skipNotice,
    });
  }

  #placement(service: ServiceRow, date: string, startMinute: number): Placement {
    const offset = this.deps.policy.utcOffsetMinutes;
    return {
      serviceId: service.serviceId,
      serviceName: service.name,
      price: service.price,
      date,
      startMinute,
      durationMinutes: service.durationMinutes,
      startsAt: instantOf(date, startMinute, offset).toISOString(),
      endsAt: instantOf(date, startMinute + service.durationMinutes, offset).toISOString(),
    };
  }

  /** Takes the slot in its day actor; a taken slot comes back with the nearest free ones. */
  async #reserve(
    cause: Cause,
    step: string,
    bookingId: string,
    service: ServiceRow,
    date: string,
    startMinute: number,
    skipNotice: boolean,
  ): Promise<Outcome> {
    if (!isValidDate(date)) return refusal("invalid", "date: must be a date YYYY-MM-DD");
    if (!Number.isInteger(startMinute) || startMinute < 0 || startMinute >= 1440) {
      return refusal("invalid", "startMinute: must be a minute of the day");
    }
    const rules = (await this.#rules(skipNotice))(date);
    const reserved = await this.#days.send(date, {
      type: "reserve",
      date,
      bookingId,
      serviceId: service.serviceId,
      startMinute,
      durationMinutes: service.durationMinutes,
      rules,
    }, this.#options(cause, step));
    if (reserved.ok) return { ok: true };
    const { code, message } = reserved.error;
    const alternatives = code === "slot_taken" || code === "day_full" || code === "too_soon"
      ? await this.nearestFree(service.serviceId, date, startMinute)
      : undefined;
    return refusal(code, message, alternatives ? { alternatives } : {});
  }

  async #release(cause: Cause, step: string, date: string, bookingId: string): Promise<void> {
    await this.#days.send(date, { type: "release", bookingId }, this.#options(cause, step));
  }

  /**
   * A new booking: the slot first (the day actor refuses a taken one), then the booking, then the
   * client's saved contact. The id derives from the cause, so a retry finds its own slot and booking.
   */
  async book(cause: Cause, input: {
    userId: number;
    serviceId: string;
    date: string;
    startMinute: number;
    name: string;
    phone: string;
    bookingId?: string;
  }): Promise<Outcome<{ bookingId: string }>> {
    const name = checkName(input.name);
    if (!name) return refusal("invalid_name", "name: must be 2–100 letters, spaces or hyphens");
    const phone = normalisePhone(input.phone);
    if (!phone) return refusal("invalid_phone", "phone: must be +7XXXXXXXXXX or 8XXXXXXXXXX");
    const service = await this.service(input.serviceId);
    if (!service?.active) return refusal("service_unavailable", "the service is not offered");
    const bookingId = input.bookingId ?? keyedId(cause.key);
    const reserved = await this.#reserve(
      cause,
      "reserve",
      bookingId,
      service,
      input.date,
      input.startMinute,
      false,
    );
    if (!reserved.ok) return reserved;
    const created = await this.#bookings.send(bookingId, {
      type: "create",
      bookingId,
      userId: input.userId,
      placement: this.#placement(service, input.date, input.startMinute),
      name,
      phone,
      policy: this.deps.policy,
    }, this.#options(cause, "create"));
    if (!created.ok) {
      const existing = created.error.code === "exists" ? await this.booking(bookingId) : undefined;
      if (existing?.userId !== input.userId) {
        await this.#release(cause, "release", input.date, bookingId);
        return refusal(created.error.code, created.error.message);
      }
    }
    await this.#clients.send(
      String(input.userId),
      { type: "save", userId: input.userId, name, phone },
      this.#options(cause, "profile"),
    );
    return { ok: true, bookingId };
  }

  /**
   * Moves a booking (time, day or service): checks it may move, takes the new slot, records the
   * move, then frees the old slot. On the same day the day actor swaps the slots in one append.
   */
  async #move(
    cause: Cause,
    bookingId: string,
    to: { date: string; startMinute: number; serviceId: string },
    requesterId: number | undefined,
  ): Promise<Outcome> {
    const state = await this.booking(bookingId);
    if (!state) return refusal("not_found", "no such booking");
    const refused = moveRefusal(state, requesterId, this.deps.policy, this.now());
    if (refused) return refusal(refused.code, refused.message);
    const service = await this.service(to.serviceId);
    // An inactive service may stay on its bookings, but nothing new is put on it.
    if (!service || (!service.active && service.serviceId !== state.serviceId)) {
      return refusal("service_unavailable", "the service is not offered");
    }
    const reserved = await this.#reserve(
      cause,
      "reserve",
      bookingId,
      service,
      to.date,
      to.startMinute,
      requesterId === undefined,
    );
    if (!reserved.ok) return reserved;
    const placement = this.#placement(service, to.date, to.startMinute);
    const audit = {
      before: { date: state.date, time: hhmm(state.startMinute), service: state.serviceName },
      after: { date: to.date, time: hhmm(to.startMinute), service: service.name },
    };
    const moved = await this.#bookings.send(bookingId, {
      type: "reschedule",
      by: cause.actor,
      requesterId,
      placement,
      policy: this.deps.policy,
    }, this.#options(cause, "reschedule", { audit }));
    if (!moved.ok) {
      // The booking refused after all (it changed meanwhile): give the new slot back unless it is the booking's own.
      if (to.date !== state.date) await this.#release(cause, "undo", to.date, bookingId);
      return refusal(moved.error.code, moved.error.message);
    }
    if (to.date !== state.date) await this.#release(cause, "release", state.date, bookingId);
    return { ok: true };
  }

  /** Whether the client may move this booking now (checked again when the move is made). */
  async canMove(userId: number, bookingId: string): Promise<Outcome<{ booking: BookingState }>> {
    const { state } = await this.#bookings.state(bookingId);
    const refused = moveRefusal(state, userId, this.deps.policy, this.now());
    return refused ? refusal(refused.code, refused.message) : { ok: true, booking: state };
  }

  rescheduleByClient(
    cause: Cause,
    userId: number,
    bookingId: string,
    to: { date: string; startMinute: number },
  ): Promise<Outcome> {
    return this.booking(bookingId).then((state) =>
      state
        ? this.#move(cause, bookingId, { ...to, serviceId: state.serviceId }, userId)
        : refusal("not_found", "no such booking")
    );
  }

  /** Cancels and frees the slot; a booking found cancelled already still has its slot freed. */
  async #cancel(cause: Cause, bookingId: string, requesterId: number | undefined, reason: string): Promise<Outcome> {
    const state = await this.booking(bookingId);
    if (!state) return refusal("not_found", "no such booking");
    const cancelled = await this.#bookings.send(bookingId, {
      type: "cancel",
      by: cause.actor,
      requesterId,
      reason,
      policy: this.deps.policy,
    }, this.#options(cause, "cancel", { audit: { before: { status: state.status }, after: { status: "cancelled" } } }));
    if (cancelled.ok || cancelled.error.code === "already_cancelled") {
      await this.#release(cause, "release", state.date, bookingId);
    }
    return cancelled.ok ? { ok: true } : refusal(cancelled.error.code, cancelled.error.message);
  }

  cancelByClient(cause: Cause, userId: number, bookingId: string): Promise<Outcome> {
    return this.#cancel(cause, bookingId, userId, "");
  }

  /** New name and phone on a booking (and saved for next time when the client changes them). */
  async changeContact(
    cause: Cause,
    userId: number | undefined,
    bookingId: string,
    contact: { name: string; phone: string },
  ): Promise<Outcome> {
    const before = await this.booking(bookingId);
    if (!before) return refusal("not_found", "no such booking");
    const changed = await this.#bookings.send(
      bookingId,
      {
        type: "changeContact",
        by: cause.actor,
        requesterId: userId,
        ...contact,
      },
      // Metadata is never sealed: the audit says which fields changed, the values stay in the sealed event.
      this.#options(cause, "contact", {
        audit: {
          before: { name: personalMask, phone: personalMask },
          after: {
            name: contact.name === before.name ? personalMask : `${personalMask} (changed)`,
            phone: contact.phone === before.phone ? personalMask : `${personalMask} (changed)`,
          },
        },
      }),
    );
    if (!changed.ok) return refusal(changed.error.code, changed.error.message);
    if (userId !== undefined) {
      await this.#clients.send(String(userId), { type: "save", userId, ...contact }, this.#options(cause, "profile"));
    }
    return { ok: true };
  }

  // ---- admin ----

  /** Any field of a booking, with the same checks as a client's (admins may skip the minimum notice). */
  async adminEdit(cause: Cause, bookingId: string, changes: {
    date?: string;
    startMinute?: number;
    serviceId?: string;
    name?: string;
    phone?: string;
    status?: MarkableStatus | "cancelled" | "deleted";
    reason?: string;
  }): Promise<Outcome> {
    const state = await this.booking(bookingId);
    if (!state) return refusal("not_found", "no such booking");
    const to = {
      date: changes.date ?? state.date,
      startMinute: changes.startMinute ?? state.startMinute,
      serviceId: changes.serviceId ?? state.serviceId,
    };
    if (to.date !== state.date || to.startMinute !== state.startMinute || to.serviceId !== state.serviceId) {
      const moved = await this.#move({ ...cause, key: `${cause.key}:move` }, bookingId, to, undefined);
      if (!moved.ok) return moved;
    }
    if (changes.name !== undefined || changes.phone !== undefined) {
      const contact = { name: changes.name ?? state.name, phone: changes.phone ?? state.phone };
      const changed = await this.changeContact(
        { ...cause, key: `${cause.key}:contact` },
        undefined,
        bookingId,
        contact,
      );
      if (!changed.ok) return changed;
    }
    if (changes.status === "cancelled") return this.adminCancel(cause, bookingId, changes.reason ?? "");
    if (changes.status === "deleted") return this.adminDelete(cause, bookingId);
    if (changes.status) return this.adminSetStatus(cause, bookingId, changes.status);
    return { ok: true };
  }

  adminCancel(cause: Cause, bookingId: string, reason: string): Promise<Outcome> {
    return this.#cancel(cause, bookingId, undefined, reason);
  }

  async adminSetStatus(cause: Cause, bookingId: string, status: MarkableStatus): Promise<Outcome> {
    const state = await this.booking(bookingId);
    if (!state) return refusal("not_found", "no such booking");
    const result = await this.#bookings.send(
      bookingId,
      { type: "setStatus", by: cause.actor, status },
      this.#options(cause, "status", { audit: { before: { status: state.status }, after: { status } } }),
    );
    return result.ok ? { ok: true } : refusal(result.error.code, result.error.message);
  }

  /** Soft delete: the booking stays for reports with status deleted; its slot is freed. */
  async adminDelete(cause: Cause, bookingId: string): Promise<Outcome> {
    const state = await this.booking(bookingId);
    if (!state) return refusal("not_found", "no such booking");
    const result = await this.#bookings.send(
      bookingId,
      { type: "delete", by: cause.actor },
      this.#options(cause, "delete", { audit: { before: { status: state.status }, after: { status: "deleted" } } }),
    );
    if (result.ok || result.error.code === "deleted") await this.#release(cause, "release", state.date, bookingId);
    return result.ok ? { ok: true } : refusal(result.error.code, result.error.message);
  }

  /** Cancels the confirmed bookings of a day (a closed day) or those named; each client is told. */
  async bulkCancel(
    cause: Cause,
    target: { date?: string; bookingIds?: string[] },
    reason: string,
  ): Promise<{ cancelled: string[]; failed: { bookingId: string; code: string }[] }> {
    const ids = target.bookingIds ??
      (target.date && isValidDate(target.date)
        ? (await listBookings(this.deps.sql, { from: target.date, to: target.date, status: "confirmed" }))
          .map((b) => b.bookingId)
        : []);
    const cancelled: string[] = [];
    const failed: { bookingId: string; code: string }[] = [];
    for (const bookingId of ids) {
      const result = await this.adminCancel({ ...cause, key: `${cause.key}:${bookingId}` }, bookingId, reason);
      if (result.ok) cancelled.push(bookingId);
      else failed.push({ bookingId, code: result.code });
    }
    return { cancelled, failed };
  }

  // ---- catalogue and schedule ----

  async createService(cause: Cause, fields: ServiceFields): Promise<Outcome<{ serviceId: string }>> {
    const serviceId = keyedId("service", cause.key);
    const result = await this.#services.send(
      catalogId,
      { type: "create", serviceId, fields },
      this.#options(cause, "create", { audit: { before: null, after: fields } }),
    );
    if (!result.ok && result.error.code !== "exists") return refusal(result.error.code, result.error.message);
    return { ok: true, serviceId };
  }

  async #catalog(cause: Cause, command: BookingServicesCommand, audit: unknown): Promise<Outcome> {
    const result = await this.#services.send(catalogId, command, this.#options(cause, command.type, { audit }));
    return result.ok ? { ok: true } : refusal(result.error.code, result.error.message);
  }

  async updateService(cause: Cause, serviceId: string, fields: Partial<ServiceFields>): Promise<Outcome> {
    const before = await this.service(serviceId);
    return this.#catalog(cause, { type: "update", serviceId, fields }, { before, after: { ...before, ...fields } });
  }

  deactivateService(cause: Cause, serviceId: string): Promise<Outcome> {
    return this.#catalog(cause, { type: "deactivate", serviceId }, {
      before: { active: true },
      after: { active: false },
    });
  }

  restoreService(cause: Cause, serviceId: string): Promise<Outcome> {
    return this.#catalog(cause, { type: "restore", serviceId }, { before: { active: false }, after: { active: true } });
  }

  async reorderServices(cause: Cause, serviceIds: string[]): Promise<Outcome> {
    const before = (await this.services(false)).map((s) => s.serviceId);
    return this.#catalog(cause, { type: "reorder", serviceIds }, { before, after: serviceIds });
  }

  async #scheduleCommand(
    cause: Cause,
    command: BookingScheduleCommand,
    audit: unknown,
  ): Promise<Outcome> {
    const result = await this.#schedule.send(scheduleId, command, this.#options(cause, command.type, { audit }));
    return result.ok ? { ok: true } : refusal(result.error.code, result.error.message);
  }

  async setSchedule(cause: Cause, settings: ScheduleSettings): Promise<Outcome> {
    const before = (await this.settings()).settings;
    return this.#scheduleCommand(cause, { type: "set", settings }, { before, after: settings });
  }

  addDayOff(cause: Cause, date: string, reason = ""): Promise<Outcome> {
    return this.#scheduleCommand(cause, { type: "addDayOff", date, reason }, {
      before: null,
      after: { date, reason },
    });
  }

  removeDayOff(cause: Cause, date: string): Promise<Outcome> {
    return this.#scheduleCommand(cause, { type: "removeDayOff", date }, { before: { date }, after: null });
  }

  // ---- payments hook ----

  /** Whether a booking may still be paid: it exists, is confirmed and has not started. */
  async payable(
    bookingId: string,
  ): Promise<{ ok: true; amount: number | null; startsAt: string; userId: number } | Refusal> {
    const state = await this.booking(bookingId);
    if (!state) return refusal("not_found", "no such booking");
    if (state.status !== "confirmed") return refusal("not_active", "the booking is not active");
    if (state.paid) return refusal("already_paid", "the booking is paid already");
    if (Date.parse(state.startsAt) <= this.now().getTime()) return refusal("past", "the visit has started");
    return { ok: true, amount: state.price, startsAt: state.startsAt, userId: state.userId };
  }

  async markPaid(cause: Cause, bookingId: string, payment: { paymentId: string; amount: number }): Promise<Outcome> {
    const result = await this.#bookings.send(
      bookingId,
      { type: "markPaid", ...payment },
      this.#options(cause, "paid"),
    );
    return result.ok ? { ok: true } : refusal(result.error.code, result.error.message);
  }

  // ---- reviews ----

  async review(cause: Cause, userId: number, bookingId: string, rating: number, comment?: string): Promise<Outcome> {
    const result = await this.#bookings.send(
      bookingId,
      { type: "review", userId, rating, comment: comment ?? null },
      this.#options(cause, "review"),
    );
    return result.ok ? { ok: true } : refusal(result.error.code, result.error.message);
  }

  async comment(cause: Cause, userId: number, bookingId: string, comment: string): Promise<Outcome> {
    const result = await this.#bookings.send(
      bookingId,
      { type: "comment", userId, comment },
      this.#options(cause, "comment"),
    );
    return result.ok ? { ok: true } : refusal(result.error.code, result.error.message);
  }
}
