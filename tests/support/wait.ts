// Polls a condition until it holds, failing with the description after the timeout.
export async function waitFor(
  condition: () => Promise<boolean> | boolean,
  what: string | (() => string) = "condition",
  timeoutMs = 5000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === "string" ? what : what()}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}
