// The names of @std/assert on top of node:assert/strict, because JSR is not reachable here.
// Switch back with one line in deno.json: "@std/assert": "jsr:@std/assert@1".
import nodeAssert from "node:assert/strict";

export const AssertionError = nodeAssert.AssertionError;

// deno-lint-ignore no-explicit-any
type ErrorClass<E extends Error> = new (...args: any[]) => E;

export function assert(condition: unknown, msg?: string): asserts condition {
  nodeAssert.ok(condition, msg);
}

export function assertEquals<T>(actual: unknown, expected: T, msg?: string): asserts actual is T {
  nodeAssert.deepStrictEqual(actual, expected, msg);
}

export function assertNotEquals(actual: unknown, expected: unknown, msg?: string): void {
  nodeAssert.notDeepStrictEqual(actual, expected, msg);
}

export function assertStrictEquals<T>(actual: unknown, expected: T, msg?: string): asserts actual is T {
  nodeAssert.strictEqual(actual, expected, msg);
}

export function assertExists<T>(actual: T, msg?: string): asserts actual is NonNullable<T> {
  nodeAssert.ok(actual !== null && actual !== undefined, msg ?? `expected a value, got ${actual}`);
}

export function assertMatch(actual: string, expected: RegExp, msg?: string): void {
  nodeAssert.match(actual, expected, msg);
}

export function assertStringIncludes(actual: string, expected: string, msg?: string): void {
  nodeAssert.ok(
    actual.includes(expected),
    msg ?? `expected ${JSON.stringify(actual)} to include ${JSON.stringify(expected)}`,
  );
}

export function assertArrayIncludes<T>(actual: readonly T[], expected: readonly T[], msg?: string): void {
  for (const item of expected) {
    const found = actual.some((a) => {
      try {
        nodeAssert.deepStrictEqual(a, item);
        return true;
      } catch {
        return false;
      }
    });
    nodeAssert.ok(found, msg ?? `expected array to include ${JSON.stringify(item)}`);
  }
}

export function assertGreater(actual: number, expected: number, msg?: string): void {
  nodeAssert.ok(actual > expected, msg ?? `expected ${actual} > ${expected}`);
}

export function assertGreaterOrEqual(actual: number, expected: number, msg?: string): void {
  nodeAssert.ok(actual >= expected, msg ?? `expected ${actual} >= ${expected}`);
}

export function assertLess(actual: number, expected: number, msg?: string): void {
  nodeAssert.ok(actual < expected, msg ?? `expected ${actual} < ${expected}`);
}

export function assertLessOrEqual(actual: number, expected: number, msg?: string): void {
  nodeAssert.ok(actual <= expected, msg ?? `expected ${actual} <= ${expected}`);
}

export function assertInstanceOf<E>(
  actual: unknown,
  expected: new (...args: never[]) => E,
  msg?: string,
): asserts actual is E {
  nodeAssert.ok(actual instanceof expected, msg ?? `expected an instance of ${expected.name}`);
}

export function fail(msg?: string): never {
  nodeAssert.fail(msg ?? "failed");
}

function checkError<E extends Error>(error: unknown, ErrorClass?: ErrorClass<E>, msgIncludes?: string): E {
  if (!(error instanceof Error)) nodeAssert.fail(`expected an Error to be thrown, got ${String(error)}`);
  if (ErrorClass && !(error instanceof ErrorClass)) {
    nodeAssert.fail(`expected ${ErrorClass.name}, got ${error.constructor.name}: ${error.message}`);
  }
  if (msgIncludes !== undefined && !error.message.includes(msgIncludes)) {
    nodeAssert.fail(`expected message to include ${JSON.stringify(msgIncludes)}, got ${JSON.stringify(error.message)}`);
  }
  return error as E;
}

export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  ErrorClass?: ErrorClass<E>,
  msgIncludes?: string,
): E {
  try {
    fn();
  } catch (error) {
    return checkError(error, ErrorClass, msgIncludes);
  }
  nodeAssert.fail("expected the function to throw");
}

export async function assertRejects<E extends Error = Error>(
  fn: () => PromiseLike<unknown>,
  ErrorClass?: ErrorClass<E>,
  msgIncludes?: string,
): Promise<E> {
  try {
    await fn();
  } catch (error) {
    return checkError(error, ErrorClass, msgIncludes);
  }
  nodeAssert.fail("expected the promise to reject");
}
