// The support site actor (stream support_site-<key>): a site that embeds the widget — its name,
// allowed origins, limits and out-of-hours auto-reply, changed by admins (audited) — and the
// numbering of its visitors ("Visitor #7"), one number per visitor, in order.
import { defineActor, reject, type Rejection } from "./decider.ts";
import type { SiteSettings, SupportSiteEvent } from "../events/support.ts";

export interface SupportSiteState extends SiteSettings {
  exists: boolean;
  site: string;
  visitors: number;
  numbers: Record<string, number>;
}

export type SupportSiteCommand =
  | ({ type: "configure"; site: string } & SiteSettings)
  | { type: "numberVisitor"; visitorId: string };

export type SupportSiteRejection = "not_found" | "disabled";

export const defaultAutoReply: SiteSettings["autoReply"] = {
  enabled: false,
  useBookingSchedule: false,
  hours: { timeZone: "Europe/Moscow", days: [1, 2, 3, 4, 5], from: "09:00", to: "18:00" },
  textRu: "Сейчас мы не на связи, но ответим в рабочее время. Оставьте, пожалуйста, e-mail.",
  textEn: "We are away right now and will answer during working hours. Please leave your e-mail.",
};

function decide(
  command: SupportSiteCommand,
  state: SupportSiteState,
): SupportSiteEvent[] | Rejection<SupportSiteRejection> {
  switch (command.type) {
    case "configure": {
      const { type: _, ...data } = command;
      const unchanged = state.exists && JSON.stringify(settingsOf(state)) === JSON.stringify(settingsOf(data));
      return unchanged ? [] : [{ type: "SupportSiteConfigured", data }];
    }
    case "numberVisitor": {
      if (!state.exists) return reject("not_found", "no such site");
      if (state.numbers[command.visitorId]) return [];
      if (!state.enabled) return reject("disabled", "the site's widget is switched off");
      return [{
        type: "SupportVisitorNumbered",
        data: { site: state.site, visitorId: command.visitorId, number: state.visitors + 1 },
      }];
    }
  }
}

export function settingsOf(s: SiteSettings): SiteSettings {
  return {
    name: s.name,
    origins: s.origins,
    enabled: s.enabled,
    autoReply: s.autoReply,
    messagesPerMinute: s.messagesPerMinute,
  };
}

function evolve(state: SupportSiteState, event: SupportSiteEvent): SupportSiteState {
  switch (event.type) {
    case "SupportSiteConfigured":
      return { ...state, ...event.data, exists: true };
    case "SupportVisitorNumbered":
      return {
        ...state,
        visitors: event.data.number,
        numbers: { ...state.numbers, [event.data.visitorId]: event.data.number },
      };
  }
}

export const supportSiteActor = defineActor({
  kind: "support_site",
  decider: {
    initialState: (): SupportSiteState => ({
      exists: false,
      site: "",
      name: "",
      origins: [],
      enabled: false,
      autoReply: defaultAutoReply,
      messagesPerMinute: 20,
      visitors: 0,
      numbers: {},
    }),
    evolve,
    decide,
  },
});
