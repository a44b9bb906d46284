// Prometheus text exposition for /metrics: HTTP latency histograms recorded by a middleware, and
// counters and gauges read from the components that own them when the endpoint is scraped.
import { createMiddleware } from "hono/factory";

export interface Sample {
  labels?: Record<string, string>;
  value: number;
}

export interface MetricSource {
  name: string;
  help: string;
  type: "counter" | "gauge";
  /** Read on each scrape; may query the database. */
  read(): number | Sample[] | Promise<number | Sample[]>;
}

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Series {
  labels: Record<string, string>;
  counts: number[];
  sum: number;
  count: number;
}

/** HTTP request durations by method, route pattern (bounded, unlike paths) and status. */
export class HttpMetrics {
  readonly #series = new Map<string, Series>();

  middleware() {
    return createMiddleware(async (c, next) => {
      const began = performance.now();
      await next();
      const route = c.req.routePath || "unmatched";
      this.observe({ method: c.req.method, route, status: String(c.res.status) }, (performance.now() - began) / 1000);
    });
  }

  observe(labels: Record<string, string>, seconds: number): void {
    const key = `${labels.method} ${labels.route} ${labels.status}`;
    let series = this.#series.get(key);
    if (!series) this.#series.set(key, series = { labels, counts: latencyBuckets.map(() => 0), sum: 0, count: 0 });
    for (let i = 0; i < latencyBuckets.length; i++) if (seconds <= latencyBuckets[i]) series.counts[i]++;
    series.sum += seconds;
    series.count++;
  }

  render(): string {
    const name = "http_request_duration_seconds";
    const lines = [`# HELP ${name} HTTP request duration by method, route and status.`, `# TYPE ${name} histogram`];
    for (const s of this.#series.values()) {
      latencyBuckets.forEach((le, i) =>
        lines.push(`${name}_bucket${labelText({ ...s.labels, le: String(le) })} ${s.counts[i]}`)
      );
      lines.push(`${name}_bucket${labelText({ ...s.labels, le: "+Inf" })} ${s.count}`);
      lines.push(`${name}_sum${labelText(s.labels)} ${s.sum}`, `${name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines.join("\n");
  }
}

/** The whole exposition: every source read concurrently, then the HTTP histograms. */
export async function renderMetrics(sources: readonly MetricSource[], http: HttpMetrics): Promise<string> {
  const blocks = await Promise.all(sources.map(async (source) => {
    const value = await source.read();
    const samples = typeof value === "number" ? [{ value }] : value;
    return [
      `# HELP ${source.name} ${source.help}`,
      `# TYPE ${source.name} ${source.type}`,
      ...samples.map((s) => `${source.name}${labelText(s.labels)} ${s.value}`),
    ].join("\n");
  }));
  return [...blocks, http.render()].join("\n") + "\n";
}

function labelText(labels?: Record<string, string>): string {
  if (!labels || Object.keys(labels).length === 0) return "";
  const escape = (v: string) => v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
  return `{${Object.entries(labels).map(([k, v]) => `${k}="${escape(v)}"`).join(",")}}`;
}
