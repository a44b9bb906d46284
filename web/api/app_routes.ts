// /api/app: the Mini App's API. Every route sees only users whose initData checked out.
import { Hono } from "hono";
import type { Database } from "../../events/database.ts";
import type { ActorRuntime } from "../../actors/runtime.ts";
import { type MiniAppAuthOptions, type MiniAppEnv, requireInitData } from "./mini_app_auth.ts";
import { adsRoutes } from "./ads_routes.ts";
import { chatRoutes } from "./chat_routes.ts";
import type { ChatService } from "../chats/service.ts";
import type { PaymentService } from "../payments/service.ts";
import { paymentsRoutes } from "./payments_routes.ts";
import type { BookingService } from "../booking/service.ts";
import { bookingAppRoutes } from "./booking_routes.ts";

/** What the product routes read (read models) and command (actors). */
export interface AppDeps {
  db: Database;
  runtime: ActorRuntime;
  /** The bot's username once the gateway has started, for t.me deep links. */
  botUsername(): string | undefined;
  /** Anonymous chats (opening one, an author's statistics). */
  chats?: ChatService;
  /** Payments: the shop and invoice links for openInvoice. */
  payments?: PaymentService;
  /** Booking: free days and slots, booking, My bookings. */
  booking?: BookingService;
}

export function appRoutes(auth: MiniAppAuthOptions, deps: AppDeps): Hono<MiniAppEnv> {
  const app = new Hono<MiniAppEnv>();
  app.use("*", requireInitData(auth));
  app.get("/me", (c) => {
    const { id, first_name, username, language_code } = c.get("tgUser");
    return c.json({ ok: true, user: { id, first_name, username, language_code } });
  });
  app.route("/", adsRoutes(deps));
  app.route("/", chatRoutes(deps));
  app.route("/", paymentsRoutes(deps));
  app.route("/", bookingAppRoutes(deps));
  return app;
}
