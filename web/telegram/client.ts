// How grammY reaches the Bot API: Deno's own fetch. grammY's npm build would otherwise go
// through node-fetch and the node:http polyfill (several times the CPU per call); its shim hands
// over a polyfilled AbortSignal, which Deno's fetch refuses, so the abort is bridged to a native one.
async function denoFetch(
  input: string | URL | Request,
  init: RequestInit & { agent?: unknown } = {},
): Promise<Response> {
  const { agent: _agent, signal: foreign, ...rest } = init;
  // A file upload's multipart body comes as a Node stream whose chunks share one buffer; Deno's fetch
  // would transfer (detach) it at the first chunk, so the body is copied into a Blob first.
  if (isNodeStream(rest.body)) rest.body = await copied(rest.body);
  if (!foreign) return fetch(input, rest);
  const controller = new AbortController();
  if (foreign.aborted) controller.abort();
  else foreign.addEventListener("abort", () => controller.abort(), { once: true });
  return fetch(input, { ...rest, signal: controller.signal });
}

function isNodeStream(body: unknown): body is AsyncIterable<Uint8Array | string> {
  return typeof body === "object" && body !== null && !(body instanceof ReadableStream) &&
    Symbol.asyncIterator in body;
}

async function copied(body: AsyncIterable<Uint8Array | string>): Promise<Blob> {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  for await (const chunk of body) {
    parts.push(typeof chunk === "string" ? new TextEncoder().encode(chunk) : new Uint8Array(chunk));
  }
  return new Blob(parts);
}

export const clientOptions = (apiRoot: string) => ({ apiRoot, fetch: denoFetch as never });
