/// <reference lib="dom" />
// The payments console's calls to /api/admin/payments (type-only imports of the server's answers).
import { api, withQuery } from "./api.ts";
import type { InvoiceRow, RevenueDay } from "../../../projections/payments_invoices.ts";

export type { InvoiceRow, RevenueDay };

export interface InvoiceFilters {
  status?: string;
  currency?: string;
  purpose?: string;
  user?: string;
  from?: string;
  to?: string;
}

export const paymentsApi = {
  invoices: (filters: InvoiceFilters, cursor?: string) =>
    api.request<{ invoices: InvoiceRow[]; nextCursor: string | null }>(
      "GET",
      withQuery("/payments/invoices", { ...filters, cursor }),
    ),
  revenue: (range: { from?: string; to?: string }) =>
    api.request<{ days: RevenueDay[] }>("GET", withQuery("/payments/revenue", range)),
  refund: (invoiceId: string, reason: string) =>
    api.request<{ invoice: InvoiceRow | null }>(
      "POST",
      `/payments/invoices/${encodeURIComponent(invoiceId)}/refund`,
      { reason },
    ),
  /** A plain link: the browser downloads it with the session cookie. */
  csvHref: (filters: InvoiceFilters) => withQuery("/api/admin/payments/invoices.csv", { ...filters }),
};
