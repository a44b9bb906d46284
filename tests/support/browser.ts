// Headless Chromium from Debian, driven by playwright-core; no browser is ever downloaded.
import { type Browser, chromium } from "playwright-core";

export const chromiumPath = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

export function hasChromium(): boolean {
  try {
    return Deno.statSync(chromiumPath).isFile;
  } catch {
    if (Deno.env.get("CI")) throw new Error(`CI: no Chromium at ${chromiumPath} (apt-get install chromium)`);
    console.warn(`%cno Chromium at ${chromiumPath}: browser tests are skipped`, "color: red");
    return false;
  }
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--no-sandbox",
      "--headless",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
