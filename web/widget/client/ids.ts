// Random ids for client message ids and the visitor id before the server names one.
// crypto.randomUUID exists only on https pages; getRandomValues works on plain http too.
export function randomId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}
