/**
 * Runs `task` for every item with at most `limit` running at once, starting at item
 * `first` and wrapping around (processes starting together begin at different places).
 */
export async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
  first = 0,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[(first + next++) % items.length]!;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
