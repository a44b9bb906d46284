// Headless Chromium from Debian, driven by playwright-core; no browser is ever downloaded.
import { type Browser, type BrowserContext, chromium, type ConsoleMessage } from "playwright-core";
import { adminHeaders } from "./admin.ts";

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

/**
 * Collects every uncaught error and console error of the context's pages (a CSP violation shows
 * as one), except console errors matching `expected`; tests end by asserting the list is empty.
 */
export function watchProblems(context: BrowserContext, expected?: RegExp): string[] {
  const problems: string[] = [];
  context.on("page", (page) => {
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message: ConsoleMessage) => {
      if (message.type() === "error" && !expected?.test(message.text())) problems.push(`console: ${message.text()}`);
    });
  });
  return problems;
}

/** Signs the context in to the console as an admin (the session cookie the server would set). */
export async function signInAdmin(
  context: BrowserContext,
  url: string,
  session: { secret: string; adminId: number; now?: Date },
): Promise<void> {
  const [name, value] = (await adminHeaders(session.secret, session.adminId, session.now)).cookie.split(/=(.*)/s);
  await context.addCookies([{ name, value, url }]);
}
