// Creating and changing a support site (the console and tests): the site actor decides, the
// change is audited with the admin's id and the settings before and after.
import type { ActorRuntime } from "../../actors/runtime.ts";
import { defaultAutoReply, settingsOf, supportSiteActor, type SupportSiteState } from "../../actors/support_site.ts";
import type { SiteSettings } from "../../events/support.ts";

export const defaultSiteSettings: Omit<SiteSettings, "name"> = {
  origins: [],
  enabled: true,
  autoReply: defaultAutoReply,
  messagesPerMinute: 20,
};

/** A new site key: 12 base-36 characters. */
export function newSiteKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => (b % 36).toString(36)).join("");
}

/** Creates or changes a site; settings not given keep their current (or default) values. */
export async function configureSupportSite(
  runtime: ActorRuntime,
  site: string,
  settings: Partial<SiteSettings>,
  by: string = "system",
): Promise<SupportSiteState> {
  const sites = runtime.actor(supportSiteActor);
  const { state } = await sites.state(site);
  const before = state.exists ? settingsOf(state) : null;
  const after: SiteSettings = {
    ...(before ?? { name: site, ...defaultSiteSettings }),
    ...Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)),
  };
  const result = await sites.send(site, { type: "configure", site, ...after }, {
    actor: by,
    metadata: by.startsWith("admin:") ? { audit: { before, after } } : undefined,
  });
  if (!result.ok) throw new Error(result.error.message);
  return result.state;
}

/** For tests and fixtures: a site with a key, a name and allowed origins. */
export function createSupportSite(
  runtime: ActorRuntime,
  options: { key?: string; name?: string; origins?: string[] } & Partial<SiteSettings> = {},
): Promise<SupportSiteState> {
  const { key, ...settings } = options;
  const site = key ?? newSiteKey();
  return configureSupportSite(runtime, site, { name: site, ...settings });
}
