/// <reference lib="dom" />
// Projections: how far each read model is, a Rebuild button, and live progress over server-sent
// events, falling back to polling every 2 seconds when the stream fails.
import { useEffect, useState } from "preact/hooks";
import { api } from "./api.ts";
import { ErrorNote, Time } from "./components.tsx";
import type { ProjectionView } from "./types.ts";

type Feed = "connecting" | "live" | "polling";

function useProjections() {
  const [projections, setProjections] = useState<ProjectionView[]>([]);
  const [error, setError] = useState<Error>();
  const [feed, setFeed] = useState<Feed>("connecting");
  const merge = (view: ProjectionView) =>
    setProjections((list) =>
      list.some((p) => p.name === view.name) ? list.map((p) => (p.name === view.name ? view : p)) : [...list, view]
    );
  const refresh = () =>
    api.projections().then((answer) => {
      setProjections(answer.projections);
      setError(undefined);
    }, setError);

  useEffect(() => {
    refresh();
    let timer: ReturnType<typeof setInterval> | undefined;
    const source = new EventSource(api.progressUrl);
    source.addEventListener("open", () => setFeed("live"));
    source.addEventListener("projection", (event) => merge(JSON.parse((event as MessageEvent<string>).data)));
    source.addEventListener("error", () => {
      // EventSource retries on its own; after a failure we poll instead, which always works.
      source.close();
      setFeed("polling");
      timer ??= setInterval(refresh, 2000);
    });
    return () => {
      source.close();
      clearInterval(timer);
    };
  }, []);
  return { projections, error, feed, merge, refresh };
}

export function ProjectionsScreen() {
  const { projections, error, feed, merge } = useProjections();
  const [actionError, setActionError] = useState<Error>();

  const rebuild = async (name: string) => {
    setActionError(undefined);
    try {
      merge((await api.rebuild(name)).projection);
    } catch (error) {
      setActionError(error as Error);
    }
  };

  return (
    <section aria-labelledby="projections-title">
      <h2 id="projections-title">Projections</h2>
      <p class="muted" data-feed={feed}>
        Updates: {feed === "live" ? "live" : feed === "polling" ? "polling every 2 s" : "connecting…"}
      </p>
      <ErrorNote error={error ?? actionError} />
      <div class="table-wrap">
        <table aria-label="Projections">
          <thead>
            <tr>
              <th>Name</th>
              <th>Version</th>
              <th>Position</th>
              <th>Lag</th>
              <th>Status</th>
              <th>Rebuild</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {projections.map((p) => (
              <tr key={p.name} data-projection={p.name}>
                <td>{p.name}</td>
                <td>{p.version}</td>
                <td>{p.position}</td>
                <td>{p.lag}</td>
                <td>
                  <span class={`status status-${p.status}`}>{p.status}</span>
                </td>
                <td>
                  <RebuildProgress view={p} />
                </td>
                <td>
                  <button type="button" disabled={p.status === "rebuilding"} onClick={() => rebuild(p.name)}>
                    Rebuild {p.name}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function RebuildProgress(props: { view: ProjectionView }) {
  const rebuild = props.view.rebuild;
  if (!rebuild) return <span class="muted">—</span>;
  const percent = rebuild.total > 0 ? Math.round((rebuild.read / rebuild.total) * 100) : 100;
  return (
    <div class="progress">
      <progress max={Math.max(rebuild.total, 1)} value={Math.min(rebuild.read, Math.max(rebuild.total, 1))}>
        {percent}%
      </progress>
      <span>
        {rebuild.read} / {rebuild.total}
      </span>
      <span class="muted">
        started <Time iso={rebuild.startedAt} />
        {rebuild.finishedAt && (
          <>
            , finished <Time iso={rebuild.finishedAt} />
          </>
        )}
      </span>
      {rebuild.error && <span class="error">{rebuild.error}</span>}
    </div>
  );
}
