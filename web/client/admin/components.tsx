/// <reference lib="dom" />
// Small pieces every admin screen uses: loading data, showing errors, JSON, times and links.
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../shared/http.ts";
import { href } from "./router.ts";

export type Loaded<T> =
  | { state: "loading"; data?: T }
  | { state: "ready"; data: T }
  | { state: "failed"; error: Error; data?: T };

/** Loads when the key changes; an answer that arrives after a newer request is dropped. */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> & { reload(): void } {
  const [result, setResult] = useState<Loaded<T>>({ state: "loading" });
  const latest = useRef(0);
  const run = useCallback(() => {
    const ticket = ++latest.current;
    setResult((previous) => ({ state: "loading", data: previous.data }));
    load().then(
      (data) => ticket === latest.current && setResult({ state: "ready", data }),
      (error: Error) =>
        ticket === latest.current && setResult((previous) => ({ state: "failed", error, data: previous.data })),
    );
  }, [key]);
  useEffect(run, [run]);
  return { ...result, reload: run };
}

export type Choice = { value: string; label: string; disabled?: boolean };

/**
 * A form's select that opens at `initial` and then belongs to the user. A `value` prop would be put
 * back on every re-render (a list refreshing under the form undid the user's pick), and selects
 * have no `defaultValue`, so the initial choice is marked on its option, which Preact sets once.
 */
export function ChoiceSelect(props: { name: string; initial?: string; choices: Choice[] }) {
  return (
    <select name={props.name}>
      {props.choices.map((c) => (
        <option key={c.value} value={c.value} selected={c.value === (props.initial ?? "")} disabled={c.disabled}>
          {c.label}
        </option>
      ))}
    </select>
  );
}

export function ErrorNote(props: { error?: Error | null }) {
  if (!props.error) return null;
  const field = props.error instanceof ApiError && props.error.field ? ` (${props.error.field})` : "";
  return <p class="error" role="alert">{props.error.message}{field}</p>;
}

export function Json(props: { value: unknown; label?: string }) {
  return <pre class="json" aria-label={props.label}>{JSON.stringify(props.value, null, 2) ?? "undefined"}</pre>;
}

export function Time(props: { iso?: string }) {
  if (!props.iso) return <span class="muted">—</span>;
  const date = new Date(props.iso);
  return <time dateTime={props.iso} title={props.iso}>{date.toLocaleString()}</time>;
}

export function StreamLink(props: { streamId: string; version?: number; children?: ComponentChildren }) {
  return (
    <a href={href(["streams", props.streamId], { version: props.version })}>
      {props.children ?? props.streamId}
    </a>
  );
}

/** A datetime-local field's value from an ISO time, and back (the field has no zone). */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
