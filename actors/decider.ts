// Deciders: pure functions from (command, state, time) to events or a typed rejection.
export interface DomainEvent {
  type: string;
  data: unknown;
}

export interface Rejection<Code extends string = string> {
  readonly rejected: true;
  readonly code: Code;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

export function reject<const Code extends string>(
  code: Code,
  message: string,
  details?: Record<string, unknown>,
): Rejection<Code> {
  return { rejected: true, code, message, details };
}

export function isRejection(value: unknown): value is Rejection {
  return typeof value === "object" && value !== null && (value as Rejection).rejected === true;
}

export interface DecideContext {
  /** The time of the command, from the runtime's clock. */
  now: Date;
}

export interface Decider<S, C, E extends DomainEvent, Code extends string = string> {
  initialState(): S;
  evolve(state: S, event: E): S;
  decide(command: C, state: S, context: DecideContext): readonly E[] | Rejection<Code>;
}

/** One kind of actor: its decider, its stream prefix and how its state is snapshotted. */
export interface ActorKind<
  S = unknown,
  C = unknown,
  E extends DomainEvent = DomainEvent,
  Code extends string = string,
> {
  /** Stream ids are `${kind}-${id}`. */
  kind: string;
  decider: Decider<S, C, E, Code>;
  /** Snapshot every N events (0 = never); defaults to the runtime's setting. */
  snapshotEvery?: number;
  /** Bump when the state's shape changes: older snapshots are ignored and state refolded. */
  stateVersion?: number;
}

export function defineActor<S, C, E extends DomainEvent, Code extends string>(
  kind: ActorKind<S, C, E, Code>,
): ActorKind<S, C, E, Code> {
  if (!/^[a-z][a-z0-9_]*$/.test(kind.kind)) {
    throw new Error(`actor kind "${kind.kind}" must be lower-case letters, digits, _`);
  }
  return kind;
}

export const streamIdOf = (kind: string, id: string) => `${kind}-${id}`;

export function fold<S, E extends DomainEvent>(
  decider: Pick<Decider<S, never, E>, "evolve">,
  state: S,
  events: Iterable<E>,
): S {
  let current = state;
  for (const event of events) current = decider.evolve(current, event);
  return current;
}
