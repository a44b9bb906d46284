/// <reference lib="dom" />
// The integrations console's calls to /api/admin/integrations.
import { api, withQuery } from "./api.ts";

export interface TopicView {
  name: string;
  eventType: string;
  description: string;
}

export interface SubscriptionRow {
  subscription_id: string;
  name: string;
  url: string;
  topics: string[];
  status: "active" | "paused";
  pending: number;
  delivered: number;
  dead: number;
  last_delivered_at: string | null;
}

export interface DeliveryRow {
  delivery_id: string;
  subscription_id?: string;
  subscription_name?: string | null;
  topic: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error?: string | null;
  dead_reason: string | null;
  next_attempt_at?: string | null;
  occurred_at: string;
  updated_at: string;
}

const segment = encodeURIComponent;

export const integrationsApi = {
  topics: () => api.request<{ topics: TopicView[] }>("GET", "/integrations/topics"),
  subscriptions: () => api.request<{ subscriptions: SubscriptionRow[] }>("GET", "/integrations/subscriptions"),
  create: (body: { name: string; url: string; topics: string[] }) =>
    api.request<{ secret: string }>("POST", "/integrations/subscriptions", body),
  update: (id: string, body: { active?: boolean }) =>
    api.request<unknown>("PATCH", `/integrations/subscriptions/${segment(id)}`, body),
  rotate: (id: string) =>
    api.request<{ secret: string }>("POST", `/integrations/subscriptions/${segment(id)}/rotate-secret`, {}),
  remove: (id: string) => api.request<unknown>("DELETE", `/integrations/subscriptions/${segment(id)}`),
  deliveries: (id: string, status?: string) =>
    api.request<{ deliveries: DeliveryRow[] }>(
      "GET",
      withQuery(`/integrations/subscriptions/${segment(id)}/deliveries`, { status }),
    ),
  deadLetters: () => api.request<{ deadLetters: DeliveryRow[] }>("GET", "/integrations/dead-letters"),
  redeliver: (deliveryId: string) =>
    api.request<unknown>("POST", `/integrations/deliveries/${segment(deliveryId)}/redeliver`),
};
