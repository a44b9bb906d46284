// Runs admins' auto-reply regexes away from the event loop: a pattern that backtracks for ever
// only stalls this worker, which its owner terminates after the timeout.
/// <reference lib="deno.worker" />
const compiled = new Map<string, RegExp>();

self.onmessage = (event: MessageEvent<{ id: number; pattern: string; text: string }>) => {
  const { id, pattern, text } = event.data;
  try {
    let regex = compiled.get(pattern);
    if (!regex) {
      regex = new RegExp(pattern, "iu");
      if (compiled.size > 500) compiled.clear();
      compiled.set(pattern, regex);
    }
    const began = performance.now();
    const matched = regex.test(text);
    self.postMessage({ id, matched, ms: performance.now() - began });
  } catch {
    self.postMessage({ id, matched: false });
  }
};

// Loading the worker takes far longer than a test: the owner starts its clock after this.
self.postMessage({ ready: true });
