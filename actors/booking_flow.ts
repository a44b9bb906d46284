// The bot's booking conversation of one user (stream booking_flow-<userId>): which service, day,
// slot, name and phone they picked so far, for a new booking, a reschedule, a contact edit or a
// review comment. Every answer is an event, so a restart resumes where the user was.
import { defineActor, reject, type Rejection } from "./decider.ts";
import type { BookingFlowEvent, FlowMode } from "../events/booking.ts";
import { checkName, normalisePhone } from "./booking_contact.ts";
import { isValidDate } from "./booking_time.ts";

export interface BookingFlowState {
  active: boolean;
  mode: FlowMode;
  userId: number;
  bookingId: string | null;
  serviceId: string | null;
  date: string | null;
  startMinute: number | null;
  name: string | null;
  phone: string | null;
}

export type FlowStep = "none" | "service" | "day" | "slot" | "name" | "phone" | "confirm" | "comment";

export type BookingFlowCommand =
  | { type: "start"; userId: number; mode: FlowMode; bookingId?: string; serviceId?: string }
  | { type: "chooseService"; serviceId: string }
  | { type: "chooseDay"; date: string }
  | { type: "chooseSlot"; startMinute: number }
  | { type: "enterName"; text: string }
  | { type: "enterPhone"; text: string }
  | { type: "finish" }
  | { type: "cancel" };

export type BookingFlowRejection = "no_flow" | "wrong_step" | "invalid_name" | "invalid_phone" | "invalid";

export function stepOf(s: BookingFlowState): FlowStep {
  if (!s.active) return "none";
  if (s.mode === "review_comment") return "comment";
  if (s.mode !== "edit_contact") {
    if (!s.serviceId) return "service";
    if (!s.date) return "day";
    if (s.startMinute === null) return "slot";
    if (s.mode === "reschedule") return "confirm";
  }
  if (!s.name) return "name";
  if (!s.phone) return "phone";
  return "confirm";
}

const idle: BookingFlowState = {
  active: false,
  mode: "book",
  userId: 0,
  bookingId: null,
  serviceId: null,
  date: null,
  startMinute: null,
  name: null,
  phone: null,
};

function evolve(state: BookingFlowState, event: BookingFlowEvent): BookingFlowState {
  switch (event.type) {
    case "BookingFlowStarted":
      return { ...idle, active: true, ...event.data };
    case "BookingFlowServiceChosen":
      return { ...state, serviceId: event.data.serviceId, date: null, startMinute: null };
    case "BookingFlowDayChosen":
      return { ...state, date: event.data.date, startMinute: null };
    case "BookingFlowSlotChosen":
      return { ...state, startMinute: event.data.startMinute };
    case "BookingFlowNameEntered":
      return { ...state, name: event.data.name };
    case "BookingFlowPhoneEntered":
      return { ...state, phone: event.data.phone };
    case "BookingFlowEnded":
      return { ...state, active: false };
  }
}

/** Steps at which a picker may be used again (the calendar stays clickable above later questions). */
const picking: Record<"service" | "day" | "slot", FlowStep[]> = {
  service: ["service", "day", "slot", "name", "phone", "confirm"],
  day: ["day", "slot", "name", "phone", "confirm"],
  slot: ["slot", "name", "phone", "confirm"],
};

function decide(
  command: BookingFlowCommand,
  state: BookingFlowState,
): BookingFlowEvent[] | Rejection<BookingFlowRejection> {
  if (command.type === "start") {
    return [{
      type: "BookingFlowStarted",
      data: {
        userId: command.userId,
        mode: command.mode,
        bookingId: command.bookingId ?? null,
        serviceId: command.serviceId ?? null,
      },
    }];
  }
  if (!state.active) return reject("no_flow", "nothing is being booked");
  const step = stepOf(state);
  const wrongStep = () => reject("wrong_step", `the flow is at the ${step} step`, { step });
  switch (command.type) {
    case "chooseService":
      if (state.mode !== "book" || !picking.service.includes(step)) return wrongStep();
      return [{ type: "BookingFlowServiceChosen", data: { serviceId: command.serviceId } }];
    case "chooseDay":
      if (!picking.day.includes(step)) return wrongStep();
      if (!isValidDate(command.date)) return reject("invalid", "date: must be a date YYYY-MM-DD");
      return [{ type: "BookingFlowDayChosen", data: { date: command.date } }];
    case "chooseSlot":
      if (!state.date || !picking.slot.includes(step)) return wrongStep();
      if (!Number.isInteger(command.startMinute) || command.startMinute < 0 || command.startMinute >= 1440) {
        return reject("invalid", "startMinute: must be a minute of the day");
      }
      return [{ type: "BookingFlowSlotChosen", data: { startMinute: command.startMinute } }];
    case "enterName": {
      if (step !== "name") return wrongStep();
      const name = checkName(command.text);
      if (!name) return reject("invalid_name", "name: must be 2–100 letters, spaces or hyphens");
      return [{ type: "BookingFlowNameEntered", data: { userId: state.userId, name } }];
    }
    case "enterPhone": {
      if (step !== "phone") return wrongStep();
      const phone = normalisePhone(command.text);
      if (!phone) return reject("invalid_phone", "phone: must be +7XXXXXXXXXX or 8XXXXXXXXXX");
      return [{ type: "BookingFlowPhoneEntered", data: { userId: state.userId, phone } }];
    }
    case "finish":
      return step === "confirm" || step === "comment"
        ? [{ type: "BookingFlowEnded", data: { outcome: "done" } }]
        : wrongStep();
    case "cancel":
      return [{ type: "BookingFlowEnded", data: { outcome: "cancelled" } }];
  }
}

export const bookingFlowActor = defineActor({
  kind: "booking_flow",
  decider: { initialState: (): BookingFlowState => idle, evolve, decide },
});
