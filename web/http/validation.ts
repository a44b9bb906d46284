// Request validation with zod through @hono/zod-validator: a malformed request gets 400 naming
// the field and what is wrong with it, before any handler runs.
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

export function validate<T extends keyof ValidationTargets, S extends z.ZodType>(target: T, schema: S) {
  return zValidator(target, schema, (result, c) => {
    if (!result.success) return c.json(describeIssue(target === "json" ? "body" : target, result.error), 400);
  });
}
