// Business time: a fixed UTC offset (no DST), dates as "YYYY-MM-DD" and times as minutes from
// the business day's midnight. Everything here is arithmetic on UTC, so no host time zone leaks in.
const dayMs = 86_400_000;

/** "+03:00" → 180, "-05:30" → -330; NaN when malformed. */
export function parseOffset(text: string): number {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(text);
  if (!m || Number(m[2]) > 14 || Number(m[3]) > 59) return NaN;
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** "09:30" → 570; "24:00" → 1440. */
export function parseHhmm(text: string): number {
  const [h, m] = text.split(":").map(Number);
  return h * 60 + m;
}

/** 570 → "09:30". */
export function hhmm(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
}

const dateMs = (date: string) =>
  Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The instant a business date and minute stand for. */
export function instantOf(date: string, minute: number, offsetMinutes: number): Date {
  return new Date(dateMs(date) + (minute - offsetMinutes) * 60_000);
}

/** The business date and minute of an instant. */
export function localOf(at: Date, offsetMinutes: number): { date: string; minute: number } {
  const shifted = at.getTime() + offsetMinutes * 60_000;
  const dayStart = Math.floor(shifted / dayMs) * dayMs;
  return { date: isoDate(dayStart), minute: Math.floor((shifted - dayStart) / 60_000) };
}

export function addDays(date: string, days: number): string {
  return isoDate(dateMs(date) + days * dayMs);
}

/** Whole days from a to b. */
export function daysBetween(a: string, b: string): number {
  return Math.round((dateMs(b) - dateMs(a)) / dayMs);
}

/** 0 = Monday … 6 = Sunday. */
export function weekdayOf(date: string): number {
  return (new Date(dateMs(date)).getUTCDay() + 6) % 7;
}

/** A real calendar date in YYYY-MM-DD form (not 2026-02-30). */
export function isValidDate(date: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(date) && isoDate(dateMs(date)) === date;
}

/** Every date of a month "YYYY-MM". */
export function monthDays(month: string): string[] {
  const first = `${month}-01`;
  const days: string[] = [];
  for (let d = first; d.startsWith(month); d = addDays(d, 1)) days.push(d);
  return days;
}

export function addMonths(month: string, n: number): string {
  const total = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 + n;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, "0")}`;
}
