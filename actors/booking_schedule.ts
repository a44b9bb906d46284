// The schedule settings and days off (stream booking_schedule-main): working hours per weekday,
// breaks, slot step, buffers, notice, horizon and the daily limit, checked before they are kept.
import { defineActor, reject, type Rejection } from "./decider.ts";
import { type BookingScheduleEvent, type ScheduleSettings, scheduleSettings } from "../events/booking.ts";
import { defaultScheduleSettings } from "./booking_rules.ts";
import { isValidDate, parseHhmm } from "./booking_time.ts";

export interface BookingScheduleState {
  settings: ScheduleSettings;
  /** Date → reason. */
  daysOff: Record<string, string>;
}

export type BookingScheduleCommand =
  | { type: "set"; settings: unknown }
  | { type: "addDayOff"; date: string; reason?: string }
  | { type: "removeDayOff"; date: string };

export type BookingScheduleRejection = "invalid" | "already_off" | "not_off";

export const scheduleId = "main";

/** The settings, or the first problem as `field: message`. */
export function checkSettings(raw: unknown): { ok: true; settings: ScheduleSettings } | Rejection<"invalid"> {
  const result = scheduleSettings.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue.path.map(String).join(".") || "settings";
    return reject("invalid", `${field}: ${issue.message}`, { field });
  }
  const settings = result.data;
  for (const [i, hours] of settings.weekly.entries()) {
    if (hours && parseHhmm(hours.start) >= parseHhmm(hours.end)) {
      return reject("invalid", `weekly.${i}: the day must end after it starts`, { field: `weekly.${i}` });
    }
  }
  for (const [i, b] of settings.breaks.entries()) {
    if (parseHhmm(b.start) >= parseHhmm(b.end)) {
      return reject("invalid", `breaks.${i}: a break must end after it starts`, { field: `breaks.${i}` });
    }
  }
  return { ok: true, settings };
}

function evolve(state: BookingScheduleState, event: BookingScheduleEvent): BookingScheduleState {
  switch (event.type) {
    case "BookingScheduleSet":
      return { ...state, settings: event.data.settings };
    case "BookingDayOffAdded":
      return { ...state, daysOff: { ...state.daysOff, [event.data.date]: event.data.reason } };
    case "BookingDayOffRemoved": {
      const { [event.data.date]: _, ...rest } = state.daysOff;
      return { ...state, daysOff: rest };
    }
  }
}

function decide(
  command: BookingScheduleCommand,
  state: BookingScheduleState,
): BookingScheduleEvent[] | Rejection<BookingScheduleRejection> {
  switch (command.type) {
    case "set": {
      const result = checkSettings(command.settings);
      if ("rejected" in result) return result;
      if (JSON.stringify(result.settings) === JSON.stringify(state.settings)) return [];
      return [{ type: "BookingScheduleSet", data: { settings: result.settings } }];
    }
    case "addDayOff": {
      if (!isValidDate(command.date)) return reject("invalid", "date: must be a date YYYY-MM-DD", { field: "date" });
      const reason = (command.reason ?? "").trim();
      if (reason.length > 200) return reject("invalid", "reason: must be at most 200 characters", { field: "reason" });
      if (command.date in state.daysOff) return reject("already_off", "the day is a day off already");
      return [{ type: "BookingDayOffAdded", data: { date: command.date, reason } }];
    }
    case "removeDayOff":
      if (!(command.date in state.daysOff)) return reject("not_off", "the day is not a day off");
      return [{ type: "BookingDayOffRemoved", data: { date: command.date } }];
  }
}

export const bookingScheduleActor = defineActor({
  kind: "booking_schedule",
  decider: {
    initialState: (): BookingScheduleState => ({ settings: defaultScheduleSettings, daysOff: {} }),
    evolve,
    decide,
  },
});
