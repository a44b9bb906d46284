/// <reference lib="dom" />
// Payments: invoices filtered by status, currency, purpose, user and period, revenue per day, a
// CSV export of what the filter shows, and refunds of Stars payments (a reason is asked first).
import { useEffect, useState } from "preact/hooks";
import { ChoiceSelect, ErrorNote, StreamLink, Time, useLoad } from "./components.tsx";
import { href, navigate, type Route } from "./router.ts";
import { type InvoiceFilters, type InvoiceRow, paymentsApi } from "./payments_api.ts";

const statuses = ["open", "paid", "refunded", "expired"];
const purposes = [["product", "Product"], ["featured_ad", "Featured ad"], ["booking", "Booking"]] as const;
const filterNames = ["status", "currency", "purpose", "user", "from", "to"] as const;

/** Smallest units as the currency writes them: Stars whole, money in its own fraction (kopecks, cents). */
function money(amount: number, currency: string): string {
  if (currency === "XTR") return `${amount} ⭐`;
  try {
    const format = new Intl.NumberFormat(undefined, { style: "currency", currency });
    return format.format(amount / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
  } catch {
    return `${amount / 100} ${currency}`;
  }
}

function filtersOf(route: Route): InvoiceFilters {
  const filters: InvoiceFilters = {};
  for (const name of filterNames) {
    const value = route.query.get(name);
    if (value) filters[name] = value;
  }
  return filters;
}

function RefundButton(props: { invoice: InvoiceRow; onDone(row: InvoiceRow): void }) {
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const { invoice } = props;
  if (invoice.status !== "paid" || invoice.currency !== "XTR" || invoice.refundState === "pending") return null;
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const answer = await paymentsApi.refund(invoice.invoiceId, reason);
      props.onDone(answer.invoice ?? { ...invoice, refundState: "pending" });
      setAsking(false);
    } catch (failure) {
      setError(failure as Error);
    } finally {
      setBusy(false);
    }
  };
  if (!asking) {
    return (
      <button type="button" class="danger" onClick={() => setAsking(true)}>
        Refund
      </button>
    );
  }
  return (
    <form class="inline" onSubmit={submit} aria-label={`Refund invoice ${invoice.invoiceId}`}>
      <input
        name="reason"
        required
        maxLength={500}
        placeholder="Reason"
        value={reason}
        onInput={(e) => setReason(e.currentTarget.value)}
      />
      <button type="submit" class="danger" disabled={busy}>
        Confirm refund of {money(invoice.amount, invoice.currency)}
      </button>
      <button type="button" onClick={() => setAsking(false)}>Cancel</button>
      <ErrorNote error={error} />
    </form>
  );
}

function Revenue(props: { filters: InvoiceFilters }) {
  const { from, to } = props.filters;
  const revenue = useLoad(() => paymentsApi.revenue({ from, to }), `${from}|${to}`);
  const days = revenue.data?.days ?? [];
  return (
    <section aria-labelledby="revenue-title">
      <h3 id="revenue-title">Revenue per day</h3>
      <ErrorNote error={revenue.state === "failed" ? revenue.error : null} />
      {revenue.state === "ready" && days.length === 0 && <p class="muted">No payments in this period.</p>}
      {days.length > 0 && (
        <div class="table-wrap">
          <table aria-label="Revenue per day">
            <thead>
              <tr>
                <th>Day (UTC)</th>
                <th>Currency</th>
                <th>Payments</th>
                <th>Paid</th>
                <th>Refunded</th>
                <th>Net</th>
              </tr>
            </thead>
            <tbody>
              {days.map((d) => (
                <tr key={`${d.day}-${d.currency}`}>
                  <td>{d.day}</td>
                  <td>{d.currency}</td>
                  <td>{d.payments}</td>
                  <td>{money(d.gross, d.currency)}</td>
                  <td>{money(d.refunded, d.currency)}</td>
                  <td>
                    <strong>{money(d.net, d.currency)}</strong>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function PaymentsScreen(props: { route: Route }) {
  const filters = filtersOf(props.route);
  const key = JSON.stringify(filters);
  const [more, setMore] = useState<{ key: string; rows: InvoiceRow[]; cursor: string | null }>();
  const [changed, setChanged] = useState<Record<string, InvoiceRow>>({});
  const page = useLoad(() => paymentsApi.invoices(filters), key);
  // A refund's answer shows until the list is loaded again, which then knows better.
  useEffect(() => setChanged({}), [page.data]);
  const extra = more?.key === key ? more : undefined;
  const rows = [...(page.data?.invoices ?? []), ...(extra?.rows ?? [])].map((r) => changed[r.invoiceId] ?? r);
  const cursor = extra ? extra.cursor : page.data?.nextCursor ?? null;
  const [moreError, setMoreError] = useState<Error>();

  const apply = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const query: Record<string, string | undefined> = {};
    for (const name of filterNames) query[name] = String(form.get(name) ?? "").trim() || undefined;
    navigate(href(["payments"], query));
  };
  const loadMore = async () => {
    if (!cursor) return;
    try {
      const next = await paymentsApi.invoices(filters, cursor);
      setMore({ key, rows: [...(extra?.rows ?? []), ...next.invoices], cursor: next.nextCursor });
    } catch (error) {
      setMoreError(error as Error);
    }
  };

  return (
    <section aria-labelledby="payments-title">
      <h2 id="payments-title">Payments</h2>
      <form class="inline" onSubmit={apply} key={key} aria-label="Invoice filters">
        <label>
          Status{" "}
          <ChoiceSelect
            name="status"
            initial={filters.status}
            choices={[{ value: "", label: "any" }, ...statuses.map((s) => ({ value: s, label: s }))]}
          />
        </label>
        <label>
          Currency <input name="currency" size={4} placeholder="XTR" defaultValue={filters.currency} />
        </label>
        <label>
          For{" "}
          <ChoiceSelect
            name="purpose"
            initial={filters.purpose}
            choices={[{ value: "", label: "anything" }, ...purposes.map(([value, label]) => ({ value, label }))]}
          />
        </label>
        <label>
          User id <input name="user" inputMode="numeric" size={10} defaultValue={filters.user} />
        </label>
        <label>
          From <input name="from" type="date" defaultValue={filters.from} />
        </label>
        <label>
          To <input name="to" type="date" defaultValue={filters.to} />
        </label>
        <button type="submit">Filter</button>
        <button type="button" onClick={page.reload}>Refresh</button>
        <a href={paymentsApi.csvHref(filters)} download>Export CSV</a>
      </form>
      <Revenue filters={filters} />
      <h3>Invoices</h3>
      <ErrorNote error={page.state === "failed" ? page.error : null} />
      {page.state === "loading" && <p class="muted">Loading…</p>}
      {page.state === "ready" && rows.length === 0 && <p class="muted">No invoices match.</p>}
      {rows.length > 0 && (
        <div class="table-wrap">
          <table aria-label="Invoices">
            <thead>
              <tr>
                <th>Created</th>
                <th>Invoice</th>
                <th>Status</th>
                <th>Amount</th>
                <th>User</th>
                <th>For</th>
                <th>Paid</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {rows.map((invoice) => (
                <tr key={invoice.invoiceId}>
                  <td>
                    <Time iso={invoice.createdAt} />
                  </td>
                  <td>
                    <StreamLink streamId={`invoice-${invoice.invoiceId}`}>{invoice.invoiceId}</StreamLink>
                    <div class="muted">{invoice.title}</div>
                  </td>
                  <td>
                    {invoice.status}
                    {invoice.refundState !== "none" && <div class="muted">refund {invoice.refundState}</div>}
                    {invoice.duplicates > 0 && (
                      <div class="muted">
                        {invoice.duplicates}{" "}
                        duplicate payment(s){invoice.flagged > 0 ? `, ${invoice.flagged} to refund by hand` : ""}
                      </div>
                    )}
                  </td>
                  <td>{money(invoice.amount, invoice.currency)}</td>
                  <td>
                    {invoice.userId}
                    {invoice.payerId !== null && invoice.payerId !== invoice.userId && (
                      <div class="muted">paid by {invoice.payerId}</div>
                    )}
                  </td>
                  <td>
                    {invoice.purposeKind} <span class="muted">{invoice.purposeRef}</span>
                  </td>
                  <td>
                    <Time iso={invoice.paidAt ?? undefined} />
                  </td>
                  <td>
                    <RefundButton
                      invoice={invoice}
                      onDone={(row) => setChanged((c) => ({ ...c, [row.invoiceId]: row }))}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && <button type="button" onClick={loadMore}>Load more</button>}
      <ErrorNote error={moreError} />
    </section>
  );
}
