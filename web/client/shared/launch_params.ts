/// <reference lib="dom" />
// The launch parameters Telegram puts in a Mini App's URL fragment (never sent to any server).
import type { ThemeParams } from "./telegram_bridge.ts";

export interface LaunchParams {
  /** The raw, still-signed initData the server verifies (tgWebAppData). */
  initData?: string;
  themeParams: ThemeParams;
  version?: string;
  platform?: string;
}

export function readLaunchParams(hash: string = location.hash): LaunchParams {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  return {
    initData: params.get("tgWebAppData") || undefined,
    themeParams: parseThemeParams(params.get("tgWebAppThemeParams")),
    version: params.get("tgWebAppVersion") ?? undefined,
    platform: params.get("tgWebAppPlatform") ?? undefined,
  };
}

function parseThemeParams(json: string | null): ThemeParams {
  if (!json) return {};
  try {
    const value = JSON.parse(json);
    return value && typeof value === "object" ? value as ThemeParams : {};
  } catch {
    return {}; // a malformed theme falls back to the default colours
  }
}
