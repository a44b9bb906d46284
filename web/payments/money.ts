// Amounts as people read them: Stars as "50 ⭐", money in its currency's format ("990,00 ₽").
import { stars } from "../../events/payments.ts";
import type { Language } from "../../events/telegram.ts";

/** Digits after the point in a currency's smallest unit (2 for RUB, 0 for JPY and Stars). */
export function fractionDigits(currency: string): number {
  if (currency === stars) return 0;
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

export function formatAmount(amount: number, currency: string, lang: Language): string {
  const locale = lang === "ru" ? "ru-RU" : "en-US";
  if (currency === stars) return `${amount.toLocaleString(locale)} ⭐`;
  const value = amount / 10 ** fractionDigits(currency);
  try {
    return new Intl.NumberFormat(locale, { style: "currency", currency }).format(value);
  } catch {
    return `${value} ${currency}`;
  }
}
