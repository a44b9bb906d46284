// Request validation with zod through @hono/zod-validator: a malformed request gets 400 naming
// the field and what is wrong with it (a NUL character too), before any handler runs.
import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import type { z } from "zod";

export interface ValidationFailure {
  ok: false;
  error: string;
  /** The first offending field, as a dotted path ("body.title", "query.limit"). */
  field: string;
}

/** Describes a zod error as the first issue's path and message. */
export function describeIssue(target: string, error: { issues: readonly z.core.$ZodIssue[] }): ValidationFailure {
  const issue = error.issues[0];
  const field = [target, ...issue.path.map(String)].join(".");
  return { ok: false, error: `${field}: ${issue.message}`, field };
}

/** Where a value holds U+0000 (a key or a string), as a path: Postgres keeps no NUL in text or jsonb. */
export function nulPath(value: unknown, path: (string | number)[] = []): (string | number)[] | undefined {
  if (typeof value === "string") return value.includes("\u0000") ? path : undefined;
  if (value === null || typeof value !== "object") return undefined;
  for (const [key, item] of Object.entries(value)) {
    const at = [...path, Array.isArray(value) ? Number(key) : key];
    if (key.includes("\u0000")) return at;
    const found = nulPath(item, at);
    if (found) return found;
  }
  return undefined;
}

export function validate<T extends keyof ValidationTargets, S extends z.ZodType>(target: T, schema: S) {
  const name = target === "json" ? "body" : target;
  return zValidator(target, schema, (result, c) => {
    if (!result.success) return c.json(describeIssue(name, result.error), 400);
    // Valid by the schema but unstorable: refused here rather than failing in the database as a 500.
    const nul = nulPath(result.data);
    if (nul) {
      const field = [name, ...nul.map(String)].join(".");
      return c.json({ ok: false, error: `${field}: must not contain NUL characters`, field }, 400);
    }
  });
}
