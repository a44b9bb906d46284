// Telegram's login page (the Login Widget without its script, which the CSP forbids): the console
// sends the browser to oauth.telegram.org, which comes back with the signed user in #tgAuthResult.

/** Where to send the browser to sign in with Telegram, coming back to `returnTo`. */
export function telegramLoginUrl(botId: number, origin: string, returnTo: string): string {
  const query = new URLSearchParams({ bot_id: String(botId), origin, return_to: returnTo, request_access: "write" });
  return `https://oauth.telegram.org/auth?${query}`;
}

/** The signed Login Widget fields in a `tgAuthResult` fragment value (base64 of JSON), if it holds any. */
export function widgetFieldsFrom(tgAuthResult: string): Record<string, string | number> | undefined {
  try {
    const base64 = tgAuthResult.replaceAll("-", "+").replaceAll("_", "/");
    const json = new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    const fields = JSON.parse(json);
    if (typeof fields !== "object" || fields === null || typeof fields.hash !== "string") return undefined;
    return fields;
  } catch {
    return undefined;
  }
}
