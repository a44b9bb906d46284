// The services read model: the catalogue in display order, active and inactive.
import { defineProjection } from "./projection.ts";
import type { BookingServicesEvent } from "../events/booking.ts";
import { eventTime } from "./booking_bookings.ts";

type Data<T extends BookingServicesEvent["type"]> = Extract<BookingServicesEvent, { type: T }>["data"];

export const bookingCatalogProjection = defineProjection({
  name: "booking_services",
  version: 1,
  tables: ["booking_services"],
  types: [
    "BookingServiceCreated",
    "BookingServiceUpdated",
    "BookingServiceDeactivated",
    "BookingServiceRestored",
    "BookingServicesReordered",
  ],
  async setup(tx) {
    await tx`create table booking_services (
      service_id text primary key,
      name text not null,
      description text not null,
      duration_minutes int not null,
      price bigint,
      position int not null,
      active boolean not null,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`;
  },
  async apply(tx, event) {
    const at = eventTime(event);
    switch (event.type) {
      case "BookingServiceCreated": {
        const d = event.data as Data<"BookingServiceCreated">;
        await tx`insert into booking_services (service_id, name, description, duration_minutes, price, position, active,
            created_at, updated_at)
          select ${d.serviceId}, ${d.name}, ${d.description}, ${d.durationMinutes}, ${d.price},
            coalesce(max(position) + 1, 0), true, ${at}, ${at} from booking_services
          on conflict (service_id) do nothing`;
        return;
      }
      case "BookingServiceUpdated": {
        const d = event.data as Data<"BookingServiceUpdated">;
        await tx`update booking_services set name = ${d.name}, description = ${d.description},
            duration_minutes = ${d.durationMinutes}, price = ${d.price}, updated_at = ${at}
          where service_id = ${d.serviceId}`;
        return;
      }
      case "BookingServiceDeactivated":
      case "BookingServiceRestored": {
        const d = event.data as Data<"BookingServiceRestored">;
        await tx`update booking_services set active = ${event.type === "BookingServiceRestored"}, updated_at = ${at}
          where service_id = ${d.serviceId}`;
        return;
      }
      case "BookingServicesReordered": {
        const d = event.data as Data<"BookingServicesReordered">;
        await tx`update booking_services s set position = o.position - 1
          from jsonb_array_elements_text(${
          JSON.stringify(d.serviceIds)
        }::text::jsonb) with ordinality as o(id, position)
          where s.service_id = o.id`;
        return;
      }
    }
  },
});
