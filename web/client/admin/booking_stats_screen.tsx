/// <reference lib="dom" />
// Booking statistics: totals and rates, charts by day/week/month, busiest hours and weekdays, each
// service's count, revenue and load; then the reviews with their average and star distribution.
import "./booking.css";
import { bookingApi, type BookingStats } from "./booking_api.ts";
import { BarChart, LineChart, ShareBars } from "./booking_charts.tsx";
import { ChoiceSelect, ErrorNote, useLoad } from "./components.tsx";
import { href, navigate, type Route } from "./router.ts";

const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;
const money = (amount: number) => `${amount.toLocaleString("ru-RU")} ₽`;
const weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** "2026-03-02" → "02.03", "2026-03" → "03.2026": short enough for an axis. */
function periodLabel(period: string, granularity: string): string {
  if (granularity === "month") return `${period.slice(5, 7)}.${period.slice(0, 4)}`;
  return `${period.slice(8, 10)}.${period.slice(5, 7)}`;
}

/** "+25%" against the previous period of the same length, or nothing when that one was empty. */
function growth(now: number, before: number): string {
  if (before === 0) return "";
  const change = Math.round(((now - before) / before) * 100);
  return ` (${change >= 0 ? "+" : ""}${change}%)`;
}

function Figures(props: { stats: BookingStats }) {
  const t = props.stats.totals;
  const p = props.stats.previous;
  const figures: [string, string][] = [
    ["Total", `${t.total}${growth(t.total, p.total)}`],
    ["Active", String(t.active)],
    ["Completed", String(t.completed)],
    ["Cancelled", String(t.cancelled)],
    ["No-show", String(t.noShow)],
    ["Cancel rate", percent(t.cancelRate)],
    ["Completion rate", percent(t.completionRate)],
    ["Revenue", `${money(t.revenue)}${growth(t.revenue, p.revenue)}`],
    ["Load", percent(t.load)],
    ["Deleted", String(t.deleted)],
    [`Before: ${p.from} – ${p.to}`, `${p.total} · ${money(p.revenue)}`],
  ];
  return (
    <dl class="figures" aria-label="Totals">
      {figures.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function StatsView(props: { stats: BookingStats }) {
  const { stats } = props;
  const series = stats.series.map((p) => ({ label: periodLabel(p.period, stats.granularity), ...p }));
  const per = { day: "day", week: "week", month: "month" }[stats.granularity];
  return (
    <>
      <Figures stats={stats} />
      <div class="charts-grid">
        <BarChart title={`Bookings per ${per}`} points={series.map((p) => ({ label: p.label, value: p.total }))} />
        <LineChart
          title={`Revenue per ${per}`}
          points={series.map((p) => ({ label: p.label, value: p.revenue }))}
          format={money}
        />
        <BarChart
          title="Busiest hours"
          points={stats.hours.map((h) => ({ label: `${String(h.hour).padStart(2, "0")}:00`, value: h.count }))}
        />
        <BarChart
          title="Busiest weekdays"
          points={stats.weekdays.map((d) => ({ label: weekdays[d.weekday], value: d.count }))}
        />
      </div>
      <h3>By service</h3>
      {stats.services.length > 0 && (
        <ShareBars
          title="Bookings by service"
          points={stats.services.map((s) => ({ label: s.name, value: s.total }))}
        />
      )}
      <div class="table-wrap">
        <table aria-label="Services">
          <thead>
            <tr>
              <th>Service</th>
              <th>Bookings</th>
              <th>Completed</th>
              <th>Cancelled</th>
              <th>No-show</th>
              <th>Revenue</th>
              <th>Load</th>
            </tr>
          </thead>
          <tbody>
            {stats.services.map((s) => (
              <tr key={s.serviceId}>
                <td>{s.name}</td>
                <td>{s.total}</td>
                <td>{s.completed}</td>
                <td>{s.cancelled}</td>
                <td>{s.noShow}</td>
                <td>{money(s.revenue)}</td>
                <td title={`${s.bookedMinutes} of ${stats.totals.openMinutes} open minutes`}>{percent(s.load)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {stats.services.length === 0 && <p class="muted">No bookings in this period.</p>}
    </>
  );
}

function Reviews(props: { route: Route }) {
  const q = props.route.query;
  // The period chosen above filters the reviews too (by visit date), when one is chosen.
  const filters = {
    serviceId: q.get("serviceId") ?? undefined,
    rating: q.get("rating") ?? undefined,
    from: q.get("from") ?? undefined,
    to: q.get("to") ?? undefined,
  };
  const key = JSON.stringify(filters);
  const list = useLoad(() => bookingApi.reviews(filters), key);
  const services = useLoad(() => bookingApi.services(), "services");
  const go = (changes: Record<string, string | undefined>) => {
    const next = Object.fromEntries([...q.entries()]);
    navigate(href(["booking-stats"], { ...next, ...changes }), { replace: true });
  };
  const summary = list.data?.summary;
  return (
    <section aria-labelledby="reviews-title">
      <h3 id="reviews-title">Reviews</h3>
      <form class="inline" onSubmit={(e) => e.preventDefault()}>
        <label>
          Service{" "}
          <select
            value={filters.serviceId ?? ""}
            onChange={(e) => go({ serviceId: e.currentTarget.value || undefined })}
          >
            <option value="">All services</option>
            {(services.data?.services ?? []).map((s) => <option key={s.serviceId} value={s.serviceId}>{s.name}
            </option>)}
          </select>
        </label>
        <label>
          Stars{" "}
          <select value={filters.rating ?? ""} onChange={(e) => go({ rating: e.currentTarget.value || undefined })}>
            <option value="">Any</option>
            {[5, 4, 3, 2, 1].map((n) => <option key={n} value={n}>{"★".repeat(n)}</option>)}
          </select>
        </label>
      </form>
      <ErrorNote error={list.state === "failed" ? list.error : null} />
      {summary && (
        <>
          <p>
            Average: <strong>{summary.average ?? "—"}</strong> of 5 from {summary.count} reviews
          </p>
          <ShareBars
            title="Stars"
            points={[...summary.stars].reverse().map((s) => ({ label: "★".repeat(s.rating), value: s.count }))}
          />
        </>
      )}
      <div class="table-wrap">
        <table aria-label="Reviews">
          <thead>
            <tr>
              <th>Stars</th>
              <th>Comment</th>
              <th>Service</th>
              <th>Visit</th>
            </tr>
          </thead>
          <tbody>
            {(list.data?.reviews ?? []).map((r) => (
              <tr key={r.bookingId}>
                <td class="stars" aria-label={`${r.rating} stars`}>{"★".repeat(r.rating)}</td>
                <td>{r.comment ?? <span class="muted">—</span>}</td>
                <td>{r.serviceName}</td>
                <td>{r.visitDate}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.state === "ready" && list.data.reviews.length === 0 && <p class="muted">No reviews match.</p>}
    </section>
  );
}

export function BookingStatsScreen(props: { route: Route }) {
  const q = props.route.query;
  const query = {
    from: q.get("from") ?? undefined,
    to: q.get("to") ?? undefined,
    granularity: q.get("granularity") ?? undefined,
  };
  const stats = useLoad(() => bookingApi.stats(query), JSON.stringify(query));
  const submit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const value = (name: string) => String(form.get(name) ?? "") || undefined;
    navigate(href(["booking-stats"], {
      from: value("from"),
      to: value("to"),
      granularity: value("granularity"),
      serviceId: q.get("serviceId") ?? undefined,
      rating: q.get("rating") ?? undefined,
    }));
  };
  const shown = stats.data?.stats;
  return (
    <section aria-labelledby="booking-stats-title">
      <h2 id="booking-stats-title">Booking statistics</h2>
      <form class="inline" onSubmit={submit} key={JSON.stringify(shown ? [shown.from, shown.to] : query)}>
        <label>
          From <input type="date" name="from" defaultValue={shown?.from ?? query.from} />
        </label>
        <label>
          To <input type="date" name="to" defaultValue={shown?.to ?? query.to} />
        </label>
        <label>
          By{" "}
          <ChoiceSelect
            name="granularity"
            initial={shown?.granularity ?? query.granularity}
            choices={["", "day", "week", "month"].map((value) => ({ value, label: value || "auto" }))}
          />
        </label>
        <button type="submit">Show</button>
      </form>
      <ErrorNote error={stats.state === "failed" ? stats.error : null} />
      {stats.state === "loading" && !shown && <p class="muted">Loading…</p>}
      {shown && <StatsView stats={shown} />}
      <Reviews route={props.route} />
    </section>
  );
}
