// The event catalog: every event type has a zod schema and a schema version; old versions are
// upcast on read and never rewritten; personal fields are named so the store can encrypt them.
import type { z } from "zod";

export interface PersonalData<D> {
  /** Whose data this is; must read a field that is not itself personal. */
  subject: (data: D) => string;
  /** Top-level string fields stored encrypted with the subject's key. */
  fields: readonly (keyof D & string)[];
}

export interface EventDefinition<T extends string = string, S extends z.ZodType = z.ZodType> {
  type: T;
  schemaVersion: number;
  schema: S;
  /** upcasters[n] turns data of schema version n into version n + 1. */
  upcasters: Readonly<Record<number, (data: unknown) => unknown>>;
  personal?: PersonalData<z.output<S>>;
}

/** The shape deciders emit and evolve on. */
export type EventOf<D> = D extends EventDefinition<infer T, infer S> ? { type: T; data: z.output<S> } : never;

export function defineEvent<const T extends string, S extends z.ZodType>(
  type: T,
  schema: S,
  options: {
    version?: number;
    upcasters?: Record<number, (data: unknown) => unknown>;
    personal?: PersonalData<z.output<S>>;
  } = {},
): EventDefinition<T, S> {
  const schemaVersion = options.version ?? 1;
  const upcasters = options.upcasters ?? {};
  for (let v = 1; v < schemaVersion; v++) {
    if (!upcasters[v]) {
      throw new Error(`event ${type}: schema version ${schemaVersion} needs an upcaster from version ${v}`);
    }
  }
  return { type, schemaVersion, schema, upcasters, personal: options.personal };
}

export class InvalidEventError extends Error {
  constructor(readonly type: string, readonly problems: string[]) {
    super(`invalid event ${type}: ${problems.join("; ")}`);
    this.name = "InvalidEventError";
  }
}

export const redacted = "[redacted]";

export class EventCatalog {
  readonly #definitions = new Map<string, EventDefinition>();

  constructor(definitions: Iterable<EventDefinition> = []) {
    for (const definition of definitions) this.register(definition);
  }

  register(...definitions: EventDefinition[]): this {
    for (const definition of definitions) {
      const existing = this.#definitions.get(definition.type);
      if (existing && existing !== definition) throw new Error(`event type ${definition.type} is registered twice`);
      this.#definitions.set(definition.type, definition);
    }
    return this;
  }

  get(type: string): EventDefinition | undefined {
    return this.#definitions.get(type);
  }

  get types(): string[] {
    return [...this.#definitions.keys()];
  }

  /** Validates data for an append; throws naming the type and each bad field. */
  validate(type: string, data: unknown): { schemaVersion: number; data: unknown } {
    const definition = this.#definitions.get(type);
    if (!definition) throw new InvalidEventError(type, ["unknown event type"]);
    const result = definition.schema.safeParse(data);
    if (!result.success) throw new InvalidEventError(type, describe(result.error.issues));
    return { schemaVersion: definition.schemaVersion, data: result.data };
  }

  /**
   * Brings stored data to the current schema version and validates it. Unknown types pass
   * through untouched, so an older process can read a log a newer one wrote.
   */
  upcast(type: string, schemaVersion: number, data: unknown, redactedFields?: ReadonlySet<string>): unknown {
    const definition = this.#definitions.get(type);
    if (!definition) return data;
    if (schemaVersion > definition.schemaVersion) {
      throw new InvalidEventError(type, [
        `schema version ${schemaVersion} is newer than this code's ${definition.schemaVersion}`,
      ]);
    }
    let current = data;
    for (let v = schemaVersion; v < definition.schemaVersion; v++) current = definition.upcasters[v](current);
    const result = definition.schema.safeParse(current);
    if (result.success) return result.data;
    // A shredded field may break its own format rule (a phone pattern); that alone is no corruption.
    const problems = result.error.issues.filter((issue) => !(redactedFields?.has(String(issue.path[0]))));
    if (problems.length === 0) return current;
    throw new InvalidEventError(type, describe(problems));
  }
}

function describe(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) =>
    `data${issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}: ${issue.message}`
  );
}
