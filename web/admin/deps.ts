// What the admin API needs from the platform; the gateway starts after the server, so its parts come lazily.
import type { Database } from "../../events/database.ts";
import type { PostgresEventStore } from "../../events/postgres_store.ts";
import type { ActorRuntime } from "../../actors/runtime.ts";
import type { ProjectionRunner } from "../../projections/runner.ts";
import type { ChatService } from "../chats/service.ts";
import type { SupportService } from "../support/service.ts";
import type { PaymentService } from "../payments/service.ts";
import type { BroadcastService } from "../broadcast/service.ts";
import type { BookingService } from "../booking/service.ts";

export interface AdminDeps {
  db: Database;
  store: PostgresEventStore;
  runtime: ActorRuntime;
  /** The live projection runners (the projections page pauses one while it rebuilds). */
  runners: readonly ProjectionRunner[];
  botToken: string;
  /** Admins from ADMIN_IDS: always admins, never removable from the console. */
  adminIds: readonly number[];
  /** Signs session cookies. */
  sessionSecret: string;
  /** Whether the sign-in page offers Telegram's login page (a real bot, not the sandbox). */
  telegramLogin?: boolean;
  /** How old a Mini App's initData may be when an admin signs in with it. */
  initDataMaxAgeMs: number;
  /** Public base URL of this server, for login links. */
  baseUrl(): string;
  now(): Date;
  /** Anonymous chats: the report queue's decisions (ban, dismiss). */
  chats?: ChatService;
  /** Payments: invoices, revenue, refunds. */
  payments?: PaymentService;
  /** Broadcasts: subscribers, audiences, mailings, auto-replies. */
  broadcast?: BroadcastService;
  /** Support desk: sites, conversations and response times in the console. */
  support?: SupportService;
  /** Booking: bookings, services, schedule and statistics in the console. */
  booking?: BookingService;
}

export interface AdminVariables {
  admin: { id: number };
  /** The session's CSRF token, which writes must send in the x-csrf-token header. */
  csrf: string;
  requestId: string;
}

export type AdminEnv = { Variables: AdminVariables };
