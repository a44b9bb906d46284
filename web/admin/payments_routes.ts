// The console's payments: invoices with filters (status, currency, purpose, user, period) in
// keyset pages, revenue per day, the CSV export, and refunds (Stars), audited as the admin's.
import { Hono } from "hono";
import { z } from "zod";
import type { AdminDeps, AdminEnv } from "./deps.ts";
import { validate } from "../http/validation.ts";
import { attachment, toCsv } from "../http/csv.ts";
import { invoiceId } from "../../events/payments.ts";
import {
  type InvoiceFilter,
  invoiceRow,
  invoiceStatuses,
  listInvoices,
  revenuePerDay,
} from "../../projections/payments_invoices.ts";
import { fractionDigits } from "../payments/money.ts";

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD").refine(
  (d) => !Number.isNaN(Date.parse(d)),
  "not a date",
);
const filters = {
  status: z.enum(invoiceStatuses).optional(),
  currency: z.string().regex(/^(XTR|[A-Z]{3})$/, "must be XTR or an ISO 4217 code").optional(),
  purpose: z.enum(["product", "featured_ad", "booking"]).optional(),
  user: z.coerce.number().int().positive().optional(),
  from: day.optional(),
  /** Inclusive: the whole of that day. */
  to: day.optional(),
};
const listQuery = z.object({
  ...filters,
  cursor: z.string().regex(/^[0-9a-z]{1,11}$/, "not a cursor").optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const csvQuery = z.object(filters);
const revenueQuery = z.object({ from: day.optional(), to: day.optional() });
const invoiceParam = z.object({ id: invoiceId });
const refundBody = z.object({ reason: z.string().trim().min(1, "say why").max(500) });

/** The day after, so `to` covers its whole day. */
const dayAfter = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString();

function filterOf(q: z.infer<typeof csvQuery>): Omit<InvoiceFilter, "limit"> {
  return {
    status: q.status,
    currency: q.currency,
    purposeKind: q.purpose,
    userId: q.user,
    from: q.from ? `${q.from}T00:00:00Z` : undefined,
    to: q.to ? dayAfter(q.to) : undefined,
  };
}

/** The largest export, so a careless click cannot build an unbounded response. */
const csvLimit = 50_000;

const refundRefusal: Record<string, { status: 404 | 409; error: string }> = {
  not_found: { status: 404, error: "no such invoice" },
  not_paid: { status: 409, error: "the invoice is not paid" },
  refund_pending: { status: 409, error: "a refund is under way already" },
  provider_refund: { status: 409, error: "a provider payment is refunded in the provider's dashboard" },
};

export function paymentsAdminRoutes(deps: AdminDeps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const sql = deps.db.sql;

  app.get("/payments/invoices", validate("query", listQuery), async (c) => {
    const q = c.req.valid("query");
    const page = await listInvoices(sql, { ...filterOf(q), cursor: q.cursor, limit: q.limit });
    return c.json({ ok: true, ...page });
  });

  app.get("/payments/revenue", validate("query", revenueQuery), async (c) => {
    const q = c.req.valid("query");
    const days = await revenuePerDay(sql, {
      from: q.from ? `${q.from}T00:00:00Z` : undefined,
      to: q.to ? dayAfter(q.to) : undefined,
    });
    return c.json({ ok: true, days });
  });

  app.get("/payments/invoices.csv", validate("query", csvQuery), async (c) => {
    const { invoices } = await listInvoices(sql, { ...filterOf(c.req.valid("query")), limit: csvLimit });
    // Amounts in the currency's units (rubles, not kopecks), as a spreadsheet should sum them.
    const csv = toCsv(
      [
        "invoice_id",
        "status",
        "created_at",
        "paid_at",
        "refunded_at",
        "user_id",
        "payer_id",
        "title",
        "purpose",
        "purpose_id",
        "currency",
        "amount",
        "charge_id",
        "duplicates",
      ],
      invoices.map((i) => [
        i.invoiceId,
        i.status,
        i.createdAt,
        i.paidAt,
        i.refundedAt,
        i.userId,
        i.payerId,
        i.title,
        i.purposeKind,
        i.purposeRef,
        i.currency,
        (i.amount / 10 ** fractionDigits(i.currency)).toFixed(fractionDigits(i.currency)),
        i.chargeId,
        i.duplicates,
      ]),
    );
    return c.body(csv, 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": attachment(`invoices-${new Date().toISOString().slice(0, 10)}.csv`),
    });
  });

  app.post(
    "/payments/invoices/:id/refund",
    validate("param", invoiceParam),
    validate("json", refundBody),
    async (c) => {
      if (!deps.payments) return c.json({ ok: false, error: "payments are not running" }, 503);
      const { id } = c.req.valid("param");
      const adminId = c.get("admin").id;
      const cause = { key: `admin-request:${c.get("requestId") ?? crypto.randomUUID()}`, actor: `admin:${adminId}` };
      const outcome = await deps.payments.refund(cause, id, c.req.valid("json").reason);
      if (!outcome.ok) {
        const refusal = refundRefusal[outcome.code] ?? { status: 409, error: outcome.message };
        return c.json({ ok: false, error: refusal.error, code: outcome.code }, refusal.status);
      }
      // The read model catches up in a moment; the answer already shows the refund under way.
      const row = await invoiceRow(sql, id);
      return c.json({ ok: true, invoice: row ? { ...row, refundState: "pending" } : null }, 202);
    },
  );

  return app;
}
