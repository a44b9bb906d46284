// How grammY reaches the Bot API: Deno's own fetch. grammY's npm build would otherwise go
// through node-fetch and the node:http polyfill (several times the CPU per call); its shim hands
// over a polyfilled AbortSignal, which Deno's fetch refuses, so the abort is bridged to a native one.
function denoFetch(input: string | URL | Request, init: RequestInit & { agent?: unknown } = {}): Promise<Response> {
  const { agent: _agent, signal: foreign, ...rest } = init;
  if (!foreign) return fetch(input, rest);
  const controller = new AbortController();
  if (foreign.aborted) controller.abort();
  else foreign.addEventListener("abort", () => controller.abort(), { once: true });
  return fetch(input, { ...rest, signal: controller.signal });
}

export const clientOptions = (apiRoot: string) => ({ apiRoot, fetch: denoFetch as never });
