/// <reference lib="dom" />
// Telegram's theme as CSS variables (--tg-theme-bg-color, …) and a matching color-scheme, so every
// screen follows the user's light or dark Telegram theme.
import type { ThemeParams } from "../shared/telegram_bridge.ts";

const hexColor = /^#[0-9a-f]{6}$/i;

/** Telegram's own rule: a background darker than this perceived brightness means a dark theme. */
export function isDark(hex: string): boolean {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return Math.sqrt(0.299 * r * r + 0.587 * g * g + 0.114 * b * b) < 120;
}

export function applyTheme(theme: ThemeParams, root: HTMLElement = document.documentElement): void {
  for (const [key, value] of Object.entries(theme)) {
    if (typeof value === "string" && hexColor.test(value)) {
      root.style.setProperty(`--tg-theme-${key.replaceAll("_", "-")}`, value);
    }
  }
  const bg = theme.bg_color;
  if (bg && hexColor.test(bg)) {
    const scheme = isDark(bg) ? "dark" : "light";
    root.style.colorScheme = scheme;
    root.dataset.scheme = scheme;
  }
}
