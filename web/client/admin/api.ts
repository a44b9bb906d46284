/// <reference lib="dom" />
// The admin API client: the session cookie rides along (same origin), every write carries the
// session's CSRF token, and a 401 anywhere sends the console back to the sign-in screen.
import { ApiError, requestJson } from "../shared/http.ts";
import type {
  AdminEntry,
  AuditPage,
  EventDetail,
  EventFilters,
  EventPage,
  ProjectionView,
  SessionAnswer,
  StreamAtVersion,
  StreamDiff,
} from "./types.ts";
import type { ReportView } from "../../admin/reports_routes.ts";

const base = "/api/admin";

type Query = Record<string, string | number | undefined | null>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

const segment = encodeURIComponent;

class AdminApi {
  #csrf = "";
  /** Called when the server says the session is gone. */
  onSignedOut: () => void = () => {};

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (method !== "GET") headers["x-csrf-token"] = this.#csrf;
    if (body !== undefined) headers["content-type"] = "application/json";
    try {
      return await requestJson<T>(base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401 && !path.startsWith("/login")) this.onSignedOut();
      throw error;
    }
  }

  /** A call for a product's own API module (booking_api.ts…), with the session's CSRF token. */
  request<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.#call<T>(method, path, body);
  }

  #signedIn(answer: SessionAnswer): SessionAnswer {
    this.#csrf = answer.csrfToken;
    return answer;
  }

  session = async () => this.#signedIn(await this.#call<SessionAnswer>("GET", "/session"));
  loginWebApp = async (initData: string) =>
    this.#signedIn(await this.#call<SessionAnswer>("POST", "/login/webapp", { initData }));
  loginLink = async (token: string) =>
    this.#signedIn(await this.#call<SessionAnswer>("POST", "/login/link", { token }));
  loginWidget = async (fields: Record<string, string | number>) =>
    this.#signedIn(await this.#call<SessionAnswer>("POST", "/login/widget", fields));
  loginOptions = () => this.#call<{ telegramLogin: { botId: number } | null }>("GET", "/login/options");
  logout = () => this.#call<unknown>("POST", "/logout");

  eventTypes = () => this.#call<{ types: string[] }>("GET", "/event-types");
  events = (filters: EventFilters, cursor?: string) =>
    this.#call<EventPage>("GET", withQuery("/events", { ...filters, cursor }));
  event = (eventId: string) => this.#call<EventDetail>("GET", `/events/${segment(eventId)}`);
  stream = (streamId: string, version?: number) =>
    this.#call<StreamAtVersion>("GET", withQuery(`/streams/${segment(streamId)}`, { version }));
  diff = (streamId: string, from: number, to: number) =>
    this.#call<StreamDiff>("GET", withQuery(`/streams/${segment(streamId)}/diff`, { from, to }));

  audit = (admin?: string, cursor?: string) => this.#call<AuditPage>("GET", withQuery("/audit", { admin, cursor }));

  projections = () => this.#call<{ projections: ProjectionView[] }>("GET", "/projections");
  rebuild = (name: string) =>
    this.#call<{ projection: ProjectionView }>("POST", `/projections/${segment(name)}/rebuild`);
  progressUrl = `${base}/projections/progress`;

  exportUser = (userId: number) => this.#call<Record<string, unknown>>("GET", `/users/${userId}/export`);
  forgetUser = (userId: number) => this.#call<unknown>("POST", `/users/${userId}/forget`, { confirm: userId });

  admins = () => this.#call<{ admins: AdminEntry[] }>("GET", "/admins");
  addAdmin = (userId: number) => this.#call<unknown>("POST", "/admins", { userId });
  removeAdmin = (userId: number) => this.#call<unknown>("DELETE", `/admins/${userId}`);

  reports = (status: string) => this.#call<{ reports: ReportView[] }>("GET", withQuery("/reports", { status }));
  decideReport = (reportId: string, decision: "ban" | "dismiss") =>
    this.#call<{ report: ReportView }>("POST", `/reports/${segment(reportId)}/${decision}`);
}

export const api = new AdminApi();
