// Integrations in tests: a local webhook receiver that checks signatures and idempotency keys the
// way a careful integration would, and the platform's integration parts on a fresh database.
import { Hono } from "hono";
import { type Backend, openTestDatabase, type TestDatabase } from "./db.ts";
import { adminHeaders, testAdminDeps } from "./admin.ts";
import { PostgresEventStore } from "../../events/postgres_store.ts";
import { applicationCatalog } from "../../events/all.ts";
import { ActorRuntime } from "../../actors/runtime.ts";
import { ProjectionRunner } from "../../projections/runner.ts";
import { TimerScheduler, timersProjection } from "../../projections/timers.ts";
import { integrationsProjection } from "../../projections/integrations.ts";
import { systemClock } from "../../actors/clock.ts";
import { type IntegrationRunners, startIntegrationRunners } from "../../web/integrations/runners.ts";
import { adminRoutes } from "../../web/admin/routes.ts";
import { integrationReplyRoutes } from "../../web/integrations/reply_routes.ts";
import { verifySignature } from "../../web/integrations/signature.ts";
import { adActor } from "../../actors/ad.ts";
import { newAdId } from "../../events/ads.ts";
import type { RetryPolicy } from "../../actors/integration_delivery.ts";

export interface ReceivedRequest {
  key: string;
  attempt: number;
  subscriptionId: string;
  signatureValid: boolean;
  body: { id: string; type: string; time: string; data: Record<string, unknown> };
}

/** What the receiver answers: a status (after a while, when a promise), or "hang" (never answer in time). */
export type Behaviour = (request: ReceivedRequest, seen: number) => number | "hang" | Promise<number>;

export interface Receiver {
  url: string;
  port: number;
  /** Every request, valid or not, in arrival order. */
  requests: ReceivedRequest[];
  /** Idempotency keys processed (answered 2xx the first time), with how often each was processed. */
  processed: Map<string, number>;
  /** Requests for a key processed already, acknowledged without processing again. */
  duplicates: number;
  behaviour: Behaviour;
  /** Closes the port: the receiver is down. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): void;
}

export function startReceiver(secrets: Map<string, string>, behaviour: Behaviour = () => 200, port = 0): Receiver {
  const receiver: Receiver = {
    url: "",
    port: 0,
    requests: [],
    processed: new Map(),
    duplicates: 0,
    behaviour,
    down: async () => {
      const s = server;
      server = undefined;
      await s?.shutdown();
    },
    up: () => {
      server = listen(receiver.port);
    },
  };
  const seenByKey = new Map<string, number>();
  const handler = async (request: Request): Promise<Response> => {
    const raw = await request.text();
    const subscriptionId = request.headers.get("x-subscription-id") ?? "";
    const key = request.headers.get("idempotency-key") ?? "";
    const secret = secrets.get(subscriptionId) ?? "";
    const verdict = verifySignature(secret, request.headers.get("x-signature"), raw, {
      nowSeconds: Math.floor(Date.now() / 1000),
      toleranceSeconds: 300,
    });
    const received: ReceivedRequest = {
      key,
      attempt: Number(request.headers.get("x-delivery-attempt")),
      subscriptionId,
      signatureValid: verdict.ok,
      body: JSON.parse(raw),
    };
    receiver.requests.push(received);
    if (!verdict.ok) return new Response("bad signature", { status: 401 });
    const seen = (seenByKey.get(key) ?? 0) + 1;
    seenByKey.set(key, seen);
    const answer = await receiver.behaviour(received, seen);
    if (answer === "hang") {
      await new Promise((r) => setTimeout(r, 3_000));
      return new Response("too late", { status: 200 });
    }
    if (answer >= 200 && answer < 300) {
      // A careful receiver: a key it has processed is acknowledged again, not processed again.
      if (receiver.processed.has(key)) receiver.duplicates++;
      else receiver.processed.set(key, 1);
    }
    return new Response(null, { status: answer });
  };
  let server: Deno.HttpServer<Deno.NetAddr> | undefined;
  const listen = (p: number) => Deno.serve({ hostname: "127.0.0.1", port: p, onListen: () => {} }, handler);
  server = listen(port);
  receiver.port = server.addr.port;
  receiver.url = `http://127.0.0.1:${receiver.port}/hook`;
  return receiver;
}

export interface IntegrationsHarness {
  db: TestDatabase;
  store: PostgresEventStore;
  runtime: ActorRuntime;
  runners: IntegrationRunners;
  /** The admin API and the reply endpoint, over real HTTP. */
  base: string;
  admin: number;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{
    status: number;
    body: Record<string, unknown>;
  }>;
  /** Creates a subscription through the admin API; returns its id and secret. */
  subscribe(name: string, url: string, topics: string[]): Promise<{ id: string; secret: string }>;
  /** Publishes an ad (topic ad.created). */
  publishAd(title?: string): Promise<string>;
  count(type: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startIntegrations(
  backend: Backend,
  options: { policy: RetryPolicy; timeoutMs?: number; concurrency?: number },
): Promise<IntegrationsHarness> {
  const db = await openTestDatabase(backend);
  const store = new PostgresEventStore(db, applicationCatalog());
  await store.listen();
  const runtime = new ActorRuntime(store);
  const projections = [timersProjection, integrationsProjection].map((p) =>
    new ProjectionRunner(p, db, store, { settleMs: 0, pollIntervalMs: 50 })
  );
  for (const p of projections) p.start();
  const timers = new TimerScheduler(db.sql, runtime, systemClock, { tickMs: 20 });
  timers.start();
  const runners = startIntegrationRunners({ db, store, runtime }, {
    policy: options.policy,
    timeoutMs: options.timeoutMs ?? 2_000,
    concurrency: options.concurrency ?? 16,
  }, { pollIntervalMs: 50 });
  const admin = 7;
  const sessionSecret = "i".repeat(32);
  const app = new Hono();
  app.route("/api/admin", adminRoutes(testAdminDeps({ store, runtime, adminIds: [admin], sessionSecret })));
  app.route("/api/integrations", integrationReplyRoutes({ runtime, toleranceSeconds: 300, now: () => new Date() }));
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  const base = `http://127.0.0.1:${server.addr.port}`;
  const call: IntegrationsHarness["call"] = async (method, path, body, headers) => {
    const auth = path.startsWith("/api/admin") ? await adminHeaders(sessionSecret, admin) : {};
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...auth, "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const json = response.headers.get("content-type")?.startsWith("application/json");
    return { status: response.status, body: json ? await response.json() : { text: await response.text() } };
  };
  const ads = runtime.actor(adActor);
  return {
    db,
    store,
    runtime,
    runners,
    base,
    admin,
    call,
    async subscribe(name, url, topics) {
      const { status, body } = await call("POST", "/api/admin/integrations/subscriptions", { name, url, topics });
      if (status !== 201) throw new Error(`subscribing: ${status} ${JSON.stringify(body)}`);
      return { id: (body.subscription as { subscriptionId: string }).subscriptionId, secret: body.secret as string };
    },
    async publishAd(title = "Bike") {
      const adId = newAdId();
      const fields = { title, description: "", price: 5000, category: "hobby", city: "Kazan", photos: [] };
      const result = await ads.send(adId, { type: "create", adId, authorId: 1000, fields });
      if (!result.ok) throw new Error(`publishing: ${result.error.message}`);
      return adId;
    },
    async count(type) {
      const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from events where type = ${type}`;
      return n;
    },
    async stop() {
      await runners.stop();
      await timers.stop();
      await Promise.all(projections.map((p) => p.stop()));
      await server.shutdown();
      await runtime.stop();
      await store.close();
      await db.close();
    },
  };
}
