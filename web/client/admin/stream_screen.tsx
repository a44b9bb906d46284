/// <reference lib="dom" />
// One stream: its state folded up to any version (slider or number), the events up to there, and
// what changed between two versions.
import { useState } from "preact/hooks";
import { api } from "./api.ts";
import { ErrorNote, Json, Time, useLoad } from "./components.tsx";
import { href, navigate, type Route } from "./router.ts";
import type { StreamDiff } from "./types.ts";

function versionParam(query: URLSearchParams, name: string): number | undefined {
  const value = Number(query.get(name));
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

export function StreamScreen(props: { route: Route; streamId: string }) {
  const { streamId } = props;
  const requested = versionParam(props.route.query, "version");
  const stream = useLoad(() => api.stream(streamId, requested), `${streamId}@${requested ?? "current"}`);
  const data = stream.data;
  // The controls follow the requested version at once; the state follows when it has loaded.
  const shown = requested ?? data?.version;
  const setVersion = (version: number, replace: boolean) => {
    if (data && version >= 1 && version <= data.currentVersion) {
      navigate(href(["streams", streamId], { version }), { replace });
    }
  };

  return (
    <section aria-labelledby="stream-title">
      <h2 id="stream-title">
        Stream <code>{streamId}</code>
      </h2>
      <ErrorNote error={stream.state === "failed" ? stream.error : null} />
      {data && (
        <>
          <p class="muted">
            Kind <strong>{data.kind}</strong>, current version <strong>{data.currentVersion}</strong>.{" "}
            <a href={href(["events"], { stream: streamId })}>Its events in the explorer</a>
          </p>
          <div class="version-bar">
            <label>
              Version
              <input
                type="range"
                min={1}
                max={data.currentVersion}
                value={shown}
                aria-label="Version slider"
                onInput={(e) => setVersion(Number(e.currentTarget.value), true)}
              />
            </label>
            <label>
              <span class="sr-only">Version number</span>
              <input
                type="number"
                min={1}
                max={data.currentVersion}
                value={shown}
                aria-label="Version number"
                onChange={(e) => setVersion(Number(e.currentTarget.value), false)}
              />
            </label>
            <span aria-live="polite">
              state at version {data.version} of {data.currentVersion}
              {stream.state === "loading" && " …"}
            </span>
          </div>
          <div class="split">
            <div>
              <h3>State at version {data.version}</h3>
              <Json value={data.state} label="Stream state" />
            </div>
            <div>
              <h3>Events 1–{data.version}</h3>
              <ol class="stream-events">
                {data.events.map((event) => (
                  <li key={event.eventId} value={event.version}>
                    <strong>{event.type}</strong> <Time iso={event.createdAt} />{" "}
                    <span class="muted">{event.metadata.actor}</span>
                  </li>
                ))}
              </ol>
            </div>
          </div>
          <DiffForm key={streamId} streamId={streamId} current={data.currentVersion} version={data.version} />
        </>
      )}
    </section>
  );
}

function DiffForm(props: { streamId: string; current: number; version: number }) {
  // Version 0 is the initial state, before the stream's first event.
  const [range, setRange] = useState({ from: props.version - 1, to: props.version });
  const [result, setResult] = useState<{ diff?: StreamDiff; error?: Error }>({});
  const compare = async (event: Event) => {
    event.preventDefault();
    try {
      setResult({ diff: await api.diff(props.streamId, range.from, range.to) });
    } catch (error) {
      setResult({ error: error as Error });
    }
  };
  const field = (name: "from" | "to") => (
    <input
      type="number"
      min={name === "from" ? 0 : 1}
      max={props.current}
      value={range[name]}
      aria-label={`Diff ${name} version`}
      onInput={(e) => setRange({ ...range, [name]: Number(e.currentTarget.value) })}
    />
  );
  return (
    <div class="diff">
      <h3>Compare versions</h3>
      <form class="inline" onSubmit={compare}>
        <label>From {field("from")}</label>
        <label>to {field("to")}</label>
        <button type="submit">Compare</button>
      </form>
      <ErrorNote error={result.error} />
      {result.diff && (result.diff.changes.length === 0
        ? <p class="muted">No differences between versions {result.diff.from} and {result.diff.to}.</p>
        : (
          <table class="diff-table" aria-label="Differences">
            <thead>
              <tr>
                <th>Path</th>
                <th>v{result.diff.from}</th>
                <th>v{result.diff.to}</th>
              </tr>
            </thead>
            <tbody>
              {result.diff.changes.map((change) => (
                <tr key={change.path}>
                  <td>
                    <code>{change.path || "(whole state)"}</code>
                  </td>
                  <td class="before">
                    <code>{JSON.stringify(change.before) ?? "—"}</code>
                  </td>
                  <td class="after">
                    <code>{JSON.stringify(change.after) ?? "—"}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </div>
  );
}
