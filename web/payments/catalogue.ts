// The shop's small catalogue, from a JSON file: digital goods sell for Telegram Stars, physical
// goods and services through the payment provider. Checked once at start-up, one line per problem.
import { z } from "zod";
import { stars } from "../../events/payments.ts";
import type { Language } from "../../events/telegram.ts";

const text = (max: number) =>
  z.object({ ru: z.string().trim().min(1).max(max), en: z.string().trim().min(1).max(max) });

export const product = z.object({
  id: z.string().regex(/^[a-z0-9_-]{1,32}$/, "must be 1–32 of a-z 0-9 _ -"),
  title: text(32),
  description: text(255),
  currency: z.string().regex(/^(XTR|[A-Z]{3})$/, "must be XTR or an ISO 4217 code"),
  /** In the currency's smallest unit (kopecks; whole stars). */
  price: z.number().int().positive(),
  kind: z.enum(["digital", "physical"]),
  /** Units left to sell; unlimited when absent. */
  stock: z.number().int().min(0).optional(),
  active: z.boolean().default(true),
}).refine((p) => (p.kind === "digital") === (p.currency === stars), {
  message: "digital goods sell for Stars (XTR), physical goods and services in money",
  path: ["currency"],
});
export type Product = z.infer<typeof product>;

export const catalogueSchema = z.array(product).max(100).refine(
  (list) => new Set(list.map((p) => p.id)).size === list.length,
  "product ids must be unique",
);

export class CatalogueError extends Error {}

export function parseCatalogue(json: unknown): Product[] {
  const result = catalogueSchema.safeParse(json);
  if (result.success) return result.data;
  throw new CatalogueError(
    result.error.issues.map((i) => `PAYMENTS_CATALOGUE: ${i.path.join(".") || "catalogue"}: ${i.message}`).join("\n"),
  );
}

/** The configured file, or the built-in catalogue. */
export async function loadCatalogue(path?: string): Promise<Product[]> {
  const url = path ?? new URL("./catalogue.json", import.meta.url);
  let json: unknown;
  try {
    json = JSON.parse(await Deno.readTextFile(url));
  } catch (error) {
    throw new CatalogueError(`PAYMENTS_CATALOGUE: cannot read ${url}: ${(error as Error).message}`);
  }
  return parseCatalogue(json);
}

export const productTitle = (p: Product, lang: Language) => p.title[lang];
export const productDescription = (p: Product, lang: Language) => p.description[lang];
