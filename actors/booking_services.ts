// The services catalogue (stream booking_services-catalog): one actor keeps the list and its order,
// so a reorder never races an addition. Deactivated services stay: old bookings keep naming them.
import { defineActor, reject, type Rejection } from "./decider.ts";
import { type BookingServicesEvent, type ServiceFields, serviceFields } from "../events/booking.ts";

export interface CatalogService extends ServiceFields {
  serviceId: string;
  active: boolean;
}

export interface BookingServicesState {
  services: Record<string, CatalogService>;
  /** Service ids in display order. */
  order: string[];
}

export type BookingServicesCommand =
  | { type: "create"; serviceId: string; fields: unknown }
  /** `fields` names only what changes. */
  | { type: "update"; serviceId: string; fields: unknown }
  | { type: "deactivate"; serviceId: string }
  | { type: "restore"; serviceId: string }
  | { type: "reorder"; serviceIds: string[] };

export type BookingServicesRejection = "invalid" | "exists" | "not_found" | "already_inactive" | "already_active";

export const catalogId = "catalog";

function checked(fields: unknown): { ok: true; fields: ServiceFields } | Rejection<"invalid"> {
  const result = serviceFields.safeParse(fields);
  if (result.success) return { ok: true, fields: result.data };
  const issue = result.error.issues[0];
  const field = issue.path.map(String).join(".") || "fields";
  return reject("invalid", `${field}: ${issue.message}`, { field });
}

function evolve(state: BookingServicesState, event: BookingServicesEvent): BookingServicesState {
  switch (event.type) {
    case "BookingServiceCreated": {
      const { serviceId, ...fields } = event.data;
      return {
        services: { ...state.services, [serviceId]: { serviceId, ...fields, active: true } },
        order: [...state.order, serviceId],
      };
    }
    case "BookingServiceUpdated": {
      const { serviceId, ...fields } = event.data;
      return { ...state, services: { ...state.services, [serviceId]: { ...state.services[serviceId], ...fields } } };
    }
    case "BookingServiceDeactivated":
    case "BookingServiceRestored": {
      const id = event.data.serviceId;
      const active = event.type === "BookingServiceRestored";
      return { ...state, services: { ...state.services, [id]: { ...state.services[id], active } } };
    }
    case "BookingServicesReordered":
      return { ...state, order: event.data.serviceIds };
  }
}

function decide(
  command: BookingServicesCommand,
  state: BookingServicesState,
): BookingServicesEvent[] | Rejection<BookingServicesRejection> {
  if (command.type === "reorder") {
    const wanted = new Set(command.serviceIds);
    if (wanted.size !== command.serviceIds.length || command.serviceIds.some((id) => !state.services[id])) {
      return reject("invalid", "serviceIds: must name each known service once");
    }
    // Services left out keep their relative order after the named ones.
    const order = [...command.serviceIds, ...state.order.filter((id) => !wanted.has(id))];
    if (order.join() === state.order.join()) return [];
    return [{ type: "BookingServicesReordered", data: { serviceIds: order } }];
  }
  const existing = state.services[command.serviceId];
  if (command.type === "create") {
    if (existing) return reject("exists", "this service exists already");
    const result = checked(command.fields);
    if ("rejected" in result) return result;
    return [{ type: "BookingServiceCreated", data: { serviceId: command.serviceId, ...result.fields } }];
  }
  if (!existing) return reject("not_found", "no such service");
  switch (command.type) {
    case "update": {
      const changes = command.fields;
      if (typeof changes !== "object" || changes === null || Array.isArray(changes)) {
        return reject("invalid", "fields: must be an object");
      }
      const { serviceId: _, active: __, ...current } = existing;
      const result = checked({ ...current, ...changes });
      if ("rejected" in result) return result;
      const keys = Object.keys(serviceFields.shape) as (keyof ServiceFields)[];
      if (keys.every((key) => result.fields[key] === current[key])) return [];
      return [{ type: "BookingServiceUpdated", data: { serviceId: command.serviceId, ...result.fields } }];
    }
    case "deactivate":
      return existing.active
        ? [{ type: "BookingServiceDeactivated", data: { serviceId: command.serviceId } }]
        : reject("already_inactive", "the service is inactive already");
    case "restore":
      return existing.active
        ? reject("already_active", "the service is active already")
        : [{ type: "BookingServiceRestored", data: { serviceId: command.serviceId } }];
  }
}

export const bookingServicesActor = defineActor({
  kind: "booking_services",
  decider: {
    initialState: (): BookingServicesState => ({ services: {}, order: [] }),
    evolve,
    decide,
  },
});

/** Active services in display order. */
export const activeServices = (state: BookingServicesState): CatalogService[] =>
  state.order.map((id) => state.services[id]).filter((s) => s.active);
