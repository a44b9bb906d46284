// Month arithmetic on "YYYY-MM" strings of the business calendar, kept apart from the calendar
// component so it runs (and is tested) without the DOM.

/** "2026-03" → the month's days as "YYYY-MM-DD", with how many blanks precede the 1st (Monday first). */
export function monthGrid(month: string): { lead: number; days: string[] } {
  const [year, m] = month.split("-").map(Number);
  const first = new Date(Date.UTC(year, m - 1, 1));
  const count = new Date(Date.UTC(year, m, 0)).getUTCDate();
  const lead = (first.getUTCDay() + 6) % 7;
  const days = Array.from({ length: count }, (_, i) => `${month}-${String(i + 1).padStart(2, "0")}`);
  return { lead, days };
}

/** The month `delta` months from "YYYY-MM". */
export function shiftMonth(month: string, delta: number): string {
  const [year, m] = month.split("-").map(Number);
  const date = new Date(Date.UTC(year, m - 1 + delta, 1));
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, "0")}`;
}
