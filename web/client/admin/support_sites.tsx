/// <reference lib="dom" />
// Support sites: each site's key (for the embed line), name, allowed origins, message limit and
// out-of-hours auto-reply; a new site. Changes are audited on the server.
import { useState } from "preact/hooks";
import { ErrorNote, useLoad } from "./components.tsx";
import { href } from "./router.ts";
import { supportApi, type SupportSiteView } from "./support_api.ts";

const lines = (text: string) => text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);

function SiteForm(props: { site: SupportSiteView; onSaved(): void }) {
  const { site } = props;
  const [name, setName] = useState(site.name);
  const [origins, setOrigins] = useState(site.origins.join("\n"));
  const [enabled, setEnabled] = useState(site.enabled);
  const [perMinute, setPerMinute] = useState(site.messagesPerMinute);
  const [auto, setAuto] = useState(site.autoReply);
  const [error, setError] = useState<Error | null>(null);
  const [saved, setSaved] = useState(false);
  const save = (e: Event) => {
    e.preventDefault();
    setSaved(false);
    supportApi.updateSite(site.site, {
      name,
      origins: lines(origins),
      enabled,
      messagesPerMinute: perMinute,
      autoReply: auto,
    }).then(() => {
      setError(null);
      setSaved(true);
      props.onSaved();
    }, setError);
  };
  const embed = `<script src="${location.origin}/widget.js" data-site="${site.site}" async></script>`;
  return (
    <form class="card" onSubmit={save} aria-label={`Site ${site.site}`}>
      <h3>
        {site.name} <code>{site.site}</code>
      </h3>
      <p class="muted">
        Embed: <code>{embed}</code> · visitors so far: {site.visitors}
      </p>
      <label>
        Name <input value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        Allowed origins (one per line, https://host[:port], or *)
        <textarea rows={3} value={origins} onInput={(e) => setOrigins((e.target as HTMLTextAreaElement).value)} />
      </label>
      <label>
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled((e.target as HTMLInputElement).checked)} />
        {" "}
        Widget on
      </label>
      <label>
        Messages per visitor per minute{" "}
        <input
          type="number"
          min={1}
          max={600}
          value={perMinute}
          onInput={(e) => setPerMinute(Number((e.target as HTMLInputElement).value))}
        />
      </label>
      <fieldset>
        <legend>Auto-reply outside working hours</legend>
        <label>
          <input
            type="checkbox"
            checked={auto.enabled}
            onChange={(e) => setAuto({ ...auto, enabled: (e.target as HTMLInputElement).checked })}
          />{" "}
          On
        </label>
        <label>
          <input
            type="checkbox"
            checked={auto.useBookingSchedule}
            onChange={(e) => setAuto({ ...auto, useBookingSchedule: (e.target as HTMLInputElement).checked })}
          />{" "}
          Follow the booking schedule's working hours and days off (else the hours below)
        </label>
        <label>
          From{" "}
          <input
            value={auto.hours.from}
            onInput={(e) => setAuto({ ...auto, hours: { ...auto.hours, from: (e.target as HTMLInputElement).value } })}
          />
        </label>
        <label>
          To{" "}
          <input
            value={auto.hours.to}
            onInput={(e) => setAuto({ ...auto, hours: { ...auto.hours, to: (e.target as HTMLInputElement).value } })}
          />
        </label>
        <label>
          Days (0 = Sunday){" "}
          <input
            value={auto.hours.days.join(",")}
            onInput={(e) =>
              setAuto({
                ...auto,
                hours: { ...auto.hours, days: lines((e.target as HTMLInputElement).value).map(Number) },
              })}
          />
        </label>
        <label>
          Time zone{" "}
          <input
            value={auto.hours.timeZone}
            onInput={(e) =>
              setAuto({ ...auto, hours: { ...auto.hours, timeZone: (e.target as HTMLInputElement).value } })}
          />
        </label>
        <label>
          Text (ru)
          <textarea
            rows={2}
            value={auto.textRu}
            onInput={(e) => setAuto({ ...auto, textRu: (e.target as HTMLTextAreaElement).value })}
          />
        </label>
        <label>
          Text (en)
          <textarea
            rows={2}
            value={auto.textEn}
            onInput={(e) => setAuto({ ...auto, textEn: (e.target as HTMLTextAreaElement).value })}
          />
        </label>
      </fieldset>
      <button type="submit">Save</button>
      {saved && <span class="muted">Saved.</span>}
      <ErrorNote error={error} />
    </form>
  );
}

function NewSite(props: { onCreated(): void }) {
  const [name, setName] = useState("");
  const [origins, setOrigins] = useState("");
  const [error, setError] = useState<Error | null>(null);
  const create = (e: Event) => {
    e.preventDefault();
    supportApi.createSite({ name, origins: lines(origins) }).then(() => {
      setName("");
      setOrigins("");
      setError(null);
      props.onCreated();
    }, setError);
  };
  return (
    <form class="card" onSubmit={create} aria-label="New site">
      <h3>New site</h3>
      <label>
        Name <input required value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        Allowed origins
        <textarea rows={2} value={origins} onInput={(e) => setOrigins((e.target as HTMLTextAreaElement).value)} />
      </label>
      <button type="submit">Create</button>
      <ErrorNote error={error} />
    </form>
  );
}

export function SupportSites() {
  const sites = useLoad(() => supportApi.sites(), "sites");
  return (
    <>
      <h1>Support sites</h1>
      <p>
        <a href={href(["support"])}>← Inbox</a>
      </p>
      <ErrorNote error={sites.state === "failed" ? sites.error : null} />
      {sites.data?.sites.map((site) => <SiteForm key={site.site} site={site} onSaved={sites.reload} />)}
      <NewSite onCreated={sites.reload} />
    </>
  );
}
