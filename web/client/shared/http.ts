/// <reference lib="dom" />
// JSON over fetch, same-origin cookies included; a failed answer becomes an ApiError with the
// server's message (`{ok:false, error, field?}`).
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
    /** The whole answer, for what else a refusal carries (the nearest free slots…). */
    readonly body?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export async function requestJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      credentials: "same-origin",
      ...init,
      headers: { accept: "application/json", ...init.headers },
    });
  } catch {
    throw new ApiError(0, "the server cannot be reached");
  }
  const body = await response.json().catch(() => undefined) as
    | { ok?: boolean; error?: string; field?: string }
    | undefined;
  if (!response.ok || body?.ok === false) {
    throw new ApiError(
      response.status,
      body?.error ?? `${response.status} ${response.statusText}`,
      body?.field,
      body as Record<string, unknown> | undefined,
    );
  }
  return body as T;
}
