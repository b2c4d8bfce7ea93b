import { expect } from "vitest";

/** What `promise` rejects with, expected to be an instance of `type` (a resolve fails it). */
export async function rejection<E>(
  promise: Promise<unknown>,
  type: new (...args: never[]) => E,
): Promise<E> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(type);
  return err as E;
}
