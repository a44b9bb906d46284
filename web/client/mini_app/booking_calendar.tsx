/// <reference lib="dom" />
// A month calendar for choosing a booking day: weeks from Monday, days with free slots as buttons,
// days without them (past, days off, full) marked and disabled, and month navigation. Dates are
// plain "YYYY-MM-DD" strings of the business calendar, so the phone's time zone never shifts a day.
import { monthGrid, shiftMonth } from "./month_grid.ts";

export interface CalendarWords {
  previousMonth: string;
  nextMonth: string;
  /** How a day without free time is announced ("no free time"). */
  noSlots: string;
}

export interface CalendarProps {
  /** "YYYY-MM". */
  month: string;
  /** The user's language, for month and weekday names. */
  language: string;
  /** Free slots per day of the month ("YYYY-MM-DD" → count); absent or 0 means none. */
  free: Readonly<Record<string, number>>;
  selected?: string;
  /** Whether the month's availability is still loading (days are not marked yet). */
  loading?: boolean;
  /** Months before `min` or after `max` ("YYYY-MM") cannot be reached. */
  min?: string;
  max?: string;
  words: CalendarWords;
  onMonth(month: string): void;
  onSelect(date: string): void;
}

const weekdayNames = (language: string) => {
  const format = new Intl.DateTimeFormat(language, { weekday: "short", timeZone: "UTC" });
  // 2024-01-01 was a Monday.
  return Array.from({ length: 7 }, (_, i) => format.format(new Date(Date.UTC(2024, 0, 1 + i))));
};

export function BookingCalendar(props: CalendarProps) {
  const { month, words } = props;
  const { lead, days } = monthGrid(month);
  const [year, m] = month.split("-").map(Number);
  const title = new Intl.DateTimeFormat(props.language, { month: "long", year: "numeric", timeZone: "UTC" })
    .format(new Date(Date.UTC(year, m - 1, 1)));
  const canBack = !props.min || month > props.min;
  const canForward = !props.max || month < props.max;
  const dayLabel = new Intl.DateTimeFormat(props.language, { day: "numeric", month: "long", timeZone: "UTC" });
  return (
    <div class="calendar" aria-busy={props.loading ? "true" : undefined}>
      <div class="calendar-head">
        <button
          type="button"
          class="calendar-nav"
          aria-label={words.previousMonth}
          disabled={!canBack}
          onClick={() => props.onMonth(shiftMonth(month, -1))}
        >
          ‹
        </button>
        <strong aria-live="polite">{title}</strong>
        <button
          type="button"
          class="calendar-nav"
          aria-label={words.nextMonth}
          disabled={!canForward}
          onClick={() => props.onMonth(shiftMonth(month, 1))}
        >
          ›
        </button>
      </div>
      <div class="calendar-grid" role="group" aria-label={title}>
        {weekdayNames(props.language).map((name) => <span key={name} class="calendar-weekday">{name}</span>)}
        {Array.from({ length: lead }, (_, i) => <span key={`blank-${i}`} aria-hidden="true" />)}
        {days.map((date) => {
          const free = props.free[date] ?? 0;
          const open = !props.loading && free > 0;
          const label = dayLabel.format(new Date(`${date}T00:00:00Z`));
          return (
            <button
              key={date}
              type="button"
              class={`calendar-day${open ? "" : " no-slots"}${props.selected === date ? " selected" : ""}`}
              disabled={!open}
              aria-pressed={props.selected === date}
              aria-label={open ? label : `${label}, ${words.noSlots}`}
              data-date={date}
              onClick={() => props.onSelect(date)}
            >
              {Number(date.slice(8))}
            </button>
          );
        })}
      </div>
    </div>
  );
}
