// The invoices read model (payments): one row per invoice with its status, amount, currency, user
// and purpose, for the console's list and filters, revenue per day, the CSV export, and the shop's
// stock (units of a product paid for).
import { defineProjection } from "./projection.ts";
import type { Queryable } from "../events/database.ts";
import type { RecordedEvent } from "../events/store.ts";
import type { PaymentEvent, Purpose } from "../events/payments.ts";

type Data<T extends PaymentEvent["type"]> = Extract<PaymentEvent, { type: T }>["data"];

export const invoiceStatuses = ["open", "paid", "refunded", "expired"] as const;
export type InvoiceStatus = typeof invoiceStatuses[number];

/** The purpose's own id: the product, the ad or the booking. */
export function purposeRef(purpose: Purpose): string {
  switch (purpose.kind) {
    case "product":
      return purpose.productId;
    case "featured_ad":
      return purpose.adId;
    case "booking":
      return purpose.bookingId;
  }
}

export const paymentsInvoicesProjection = defineProjection({
  name: "payments_invoices",
  version: 1,
  tables: ["payments_invoices"],
  types: [
    "InvoiceCreated",
    "PaymentSucceeded",
    "DuplicatePaymentReceived",
    "RefundRequested",
    "PaymentRefunded",
    "RefundFailed",
    "InvoiceExpired",
  ],
  async setup(tx) {
    // `position` (the InvoiceCreated event's place in the log) only grows: the page key.
    await tx`create table payments_invoices (
      invoice_id text primary key,
      user_id bigint not null,
      payer_id bigint,
      title text not null,
      purpose_kind text not null,
      purpose_ref text not null,
      currency text not null,
      amount bigint not null,
      status text not null,
      charge_id text,
      refund_state text not null default 'none',
      duplicates int not null default 0,
      flagged int not null default 0,
      created_at timestamptz not null,
      paid_at timestamptz,
      refunded_at timestamptz,
      position bigint not null unique
    )`;
    await tx`create index payments_invoices_status on payments_invoices (status, position desc)`;
    await tx`create index payments_invoices_user on payments_invoices (user_id, position desc)`;
    await tx`create index payments_invoices_paid on payments_invoices (paid_at) where paid_at is not null`;
    await tx`create index payments_invoices_purpose on payments_invoices (purpose_kind, purpose_ref)`;
  },
  async apply(tx, event) {
    const at = eventTime(event);
    switch (event.type) {
      case "InvoiceCreated": {
        const d = event.data as Data<"InvoiceCreated">;
        await tx`insert into payments_invoices (invoice_id, user_id, title, purpose_kind, purpose_ref, currency, amount,
            status, created_at, position)
          values (${d.invoiceId}, ${d.userId}, ${d.title}, ${d.purpose.kind}, ${purposeRef(d.purpose)}, ${d.currency},
            ${d.amount}, 'open', ${at}, ${event.globalPosition})
          on conflict (invoice_id) do nothing`;
        return;
      }
      case "PaymentSucceeded": {
        const d = event.data as Data<"PaymentSucceeded">;
        await tx`update payments_invoices set status = 'paid', payer_id = ${d.payerId}, charge_id = ${d.telegramChargeId},
            paid_at = ${at}
          where invoice_id = ${d.invoiceId}`;
        return;
      }
      case "DuplicatePaymentReceived": {
        const d = event.data as Data<"DuplicatePaymentReceived">;
        await tx`update payments_invoices set duplicates = duplicates + 1,
            flagged = flagged + ${d.action === "flag" ? 1 : 0}
          where invoice_id = ${d.invoiceId}`;
        return;
      }
      case "RefundRequested":
      case "RefundFailed": {
        const d = event.data as Data<"RefundRequested">;
        if (event.type === "RefundRequested" && d.duplicate) return;
        const state = event.type === "RefundRequested" ? "pending" : "failed";
        await tx`update payments_invoices set refund_state = ${state}
          where invoice_id = ${d.invoiceId} and charge_id = ${d.telegramChargeId}`;
        return;
      }
      case "PaymentRefunded": {
        const d = event.data as Data<"PaymentRefunded">;
        if (d.duplicate) return;
        await tx`update payments_invoices set status = 'refunded', refund_state = 'none', refunded_at = ${at}
          where invoice_id = ${d.invoiceId}`;
        return;
      }
      case "InvoiceExpired": {
        const d = event.data as Data<"InvoiceExpired">;
        await tx`update payments_invoices set status = 'expired' where invoice_id = ${d.invoiceId} and status = 'open'`;
        return;
      }
    }
  },
});

function eventTime(event: RecordedEvent): string {
  return typeof event.metadata.at === "string" ? event.metadata.at : event.createdAt.toISOString();
}

/** Units of a product paid for and not refunded. */
export async function soldCount(sql: Queryable, productId: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from payments_invoices
    where purpose_kind = 'product' and purpose_ref = ${productId} and status = 'paid'`;
  return row.n;
}

export interface InvoiceRow {
  invoiceId: string;
  userId: number;
  payerId: number | null;
  title: string;
  purposeKind: string;
  purposeRef: string;
  currency: string;
  amount: number;
  status: InvoiceStatus;
  chargeId: string | null;
  refundState: "none" | "pending" | "failed";
  duplicates: number;
  flagged: number;
  createdAt: string;
  paidAt: string | null;
  refundedAt: string | null;
}

export interface InvoiceFilter {
  status?: InvoiceStatus;
  currency?: string;
  purposeKind?: string;
  userId?: number;
  /** Created on or after / before (ISO dates or times). */
  from?: string;
  to?: string;
  cursor?: string;
  limit: number;
}

interface Row {
  invoice_id: string;
  user_id: string | number;
  payer_id: string | number | null;
  title: string;
  purpose_kind: string;
  purpose_ref: string;
  currency: string;
  amount: string | number;
  status: InvoiceStatus;
  charge_id: string | null;
  refund_state: "none" | "pending" | "failed";
  duplicates: number;
  flagged: number;
  created_at: Date;
  paid_at: Date | null;
  refunded_at: Date | null;
  position: string | number;
}

const toRow = (r: Row): InvoiceRow => ({
  invoiceId: r.invoice_id,
  userId: Number(r.user_id),
  payerId: r.payer_id === null ? null : Number(r.payer_id),
  title: r.title,
  purposeKind: r.purpose_kind,
  purposeRef: r.purpose_ref,
  currency: r.currency,
  amount: Number(r.amount),
  status: r.status,
  chargeId: r.charge_id,
  refundState: r.refund_state,
  duplicates: r.duplicates,
  flagged: r.flagged,
  createdAt: r.created_at.toISOString(),
  paidAt: r.paid_at?.toISOString() ?? null,
  refundedAt: r.refunded_at?.toISOString() ?? null,
});

/** Invoices matching the filter, newest first, one keyset page (the cursor is the last row's position). */
export async function listInvoices(
  sql: Queryable,
  filter: InvoiceFilter,
): Promise<{ invoices: InvoiceRow[]; nextCursor: string | null }> {
  const rows = await sql<Row[]>`
    select * from payments_invoices
    where true
      ${filter.status ? sql`and status = ${filter.status}` : sql``}
      ${filter.currency ? sql`and currency = ${filter.currency}` : sql``}
      ${filter.purposeKind ? sql`and purpose_kind = ${filter.purposeKind}` : sql``}
      ${filter.userId ? sql`and (user_id = ${filter.userId} or payer_id = ${filter.userId})` : sql``}
      ${filter.from ? sql`and created_at >= ${filter.from}::timestamptz` : sql``}
      ${filter.to ? sql`and created_at < ${filter.to}::timestamptz` : sql``}
      ${filter.cursor ? sql`and position < ${parseInt(filter.cursor, 36)}` : sql``}
    order by position desc
    limit ${filter.limit + 1}`;
  const more = rows.length > filter.limit;
  const shown = more ? rows.slice(0, filter.limit) : rows;
  return {
    invoices: shown.map(toRow),
    nextCursor: more ? Number(shown[shown.length - 1].position).toString(36) : null,
  };
}

export async function invoiceRow(sql: Queryable, invoiceId: string): Promise<InvoiceRow | undefined> {
  const [row] = await sql<Row[]>`select * from payments_invoices where invoice_id = ${invoiceId}`;
  return row && toRow(row);
}

export interface RevenueDay {
  day: string;
  currency: string;
  payments: number;
  /** Everything paid that day. */
  gross: number;
  /** Of that, given back since. */
  refunded: number;
  net: number;
}

/** Per day (UTC) and currency: the invoices paid that day, and what of them was refunded since. */
export async function revenuePerDay(sql: Queryable, range: { from?: string; to?: string }): Promise<RevenueDay[]> {
  const rows = await sql<{ day: string; currency: string; payments: number; gross: string; refunded: string }[]>`
    select to_char(paid_at at time zone 'UTC', 'YYYY-MM-DD') as day, currency, count(*)::int as payments,
      sum(amount)::bigint as gross, coalesce(sum(amount) filter (where status = 'refunded'), 0)::bigint as refunded
    from payments_invoices
    where paid_at is not null
      ${range.from ? sql`and paid_at >= ${range.from}::timestamptz` : sql``}
      ${range.to ? sql`and paid_at < ${range.to}::timestamptz` : sql``}
    group by 1, 2
    order by 1 desc, 2`;
  return rows.map((r) => ({
    day: r.day,
    currency: r.currency,
    payments: r.payments,
    gross: Number(r.gross),
    refunded: Number(r.refunded),
    net: Number(r.gross) - Number(r.refunded),
  }));
}
