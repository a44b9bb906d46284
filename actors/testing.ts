// Decider tests that read as specifications: given(events).when(command).then(events).
import { assertEquals, fail } from "@std/assert";
import { type Decider, type DomainEvent, fold, isRejection, type Rejection } from "./decider.ts";

export interface Then<E extends DomainEvent, Code extends string> {
  /** The events the decider emits, compared in full. */
  then(expected: readonly E[]): void;
  /** The decider refuses with this code. */
  thenRejects(code: Code): Rejection<Code>;
}

export function deciderSpec<S, C, E extends DomainEvent, Code extends string>(
  decider: Decider<S, C, E, Code>,
  options: { now?: Date | string } = {},
) {
  const defaultNow = new Date(options.now ?? "2026-01-01T09:00:00Z");
  return {
    given(history: readonly E[] = []) {
      return {
        when(command: C, now: Date | string = defaultNow): Then<E, Code> {
          const state = fold(decider, decider.initialState(), history);
          const result = decider.decide(command, state, { now: new Date(now) });
          return {
            then(expected) {
              if (isRejection(result)) fail(`expected events, got rejection ${result.code}: ${result.message}`);
              assertEquals(result, expected);
            },
            thenRejects(code) {
              if (!isRejection(result)) fail(`expected rejection ${code}, got events ${JSON.stringify(result)}`);
              assertEquals(result.code, code);
              return result as Rejection<Code>;
            },
          };
        },
      };
    },
  };
}
