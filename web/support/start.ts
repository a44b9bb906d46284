// The support desk's parts, started by main.ts: the service, the widget's live fan-out, the
// follower of its Bot API outcomes and the widget API's dependencies, in one place.
import type { Api } from "grammy";
import type { ActorRuntime } from "../../actors/runtime.ts";
import { supportSiteActor } from "../../actors/support_site.ts";
import type { Database } from "../../events/database.ts";
import type { EventStore } from "../../events/store.ts";
import type { Language } from "../../events/telegram.ts";
import type { WidgetDeps } from "../api/widget_routes.ts";
import { derivedSecret } from "../telegram/gateway.ts";
import { SupportHub } from "./hub.ts";
import { SupportOutcomes } from "./outcomes.ts";
import { SupportService } from "./service.ts";
import { configureSupportSite } from "./sites.ts";
import { WidgetTokens } from "./tokens.ts";
import { SupportUploads } from "./uploads.ts";
import type { BookingHours } from "./present.ts";
import type { MetricSource } from "../http/metrics.ts";

export interface SupportStartOptions {
  db: Database;
  store: EventStore;
  runtime: ActorRuntime;
  token: string;
  tokenSecret?: string;
  staffLanguage: Language;
  /** The forum group (SUPPORT_CHAT_ID, or the sandbox's). */
  chatId(): number | undefined;
  /** The gateway's Bot API client and root, once the gateway has started. */
  telegram(): { api: Api; apiRoot: string } | undefined;
  pollIntervalMs: number;
  /** The booking schedule's hours, for auto-replies that follow it. */
  bookingHours?(): Promise<BookingHours>;
  /** Offline: a "demo" site open to every origin, so /widget/demo works out of the box. */
  seedDemoSite?: boolean;
}

export interface SupportDesk {
  /** For /metrics: the widgets' open SSE streams and their live wake-ups. */
  metrics: MetricSource[];
  service: SupportService;
  widget: WidgetDeps;
  hub: SupportHub;
  /** Ends the widgets' open SSE streams (before the HTTP server shuts down, which waits for them). */
  closeStreams(): void;
  stop(): Promise<void>;
}

export async function startSupport(options: SupportStartOptions): Promise<SupportDesk> {
  const uploads = new SupportUploads(options.db.sql);
  await uploads.ready();
  const service = new SupportService({
    runtime: options.runtime,
    store: options.store,
    sql: options.db.sql,
    uploads,
    chatId: options.chatId,
    staffLanguage: options.staffLanguage,
    bookingHours: options.bookingHours,
    telegram: () => {
      const telegram = options.telegram();
      return telegram && {
        api: telegram.api,
        fileUrl: (path) => `${telegram.apiRoot}/file/bot${options.token}/${path}`,
      };
    },
  });
  const hub = new SupportHub(options.store, options.db.sql, options.pollIntervalMs);
  hub.start();
  service.onChange = (sessionId) => hub.notify(sessionId);
  const outcomes = new SupportOutcomes(options.db, options.store, service, { pollIntervalMs: options.pollIntervalMs });
  outcomes.start();
  if (options.seedDemoSite && !(await options.runtime.actor(supportSiteActor).state("demo")).state.exists) {
    await configureSupportSite(options.runtime, "demo", { name: "Demo", origins: ["*"] });
  }
  const tokens = new WidgetTokens(options.tokenSecret ?? await derivedSecret("support-widget", options.token, 32));
  return {
    service,
    hub,
    widget: { support: service, tokens, hub, uploads, now: () => options.runtime.clock.now() },
    closeStreams: () => hub.closeStreams(),
    metrics: [
      {
        name: "support_widget_streams",
        help: "Support widgets connected over server-sent events to this process.",
        type: "gauge",
        read: () => hub.connections,
      },
      {
        name: "support_widget_wakeups_total",
        help: "Times an open widget stream was woken by a change in its conversation.",
        type: "counter",
        read: () => hub.wakeups,
      },
    ],
    async stop() {
      await Promise.all([hub.stop(), outcomes.stop()]);
    },
  };
}
