/**
 * A bounded share of a list that moves on at each call, so repeated calls visit every item
 * in turn however long the list: at most `size` items from `cursor` on, wrapping around.
 */
export function rotatingShare<T>(
  items: readonly T[],
  cursor: number,
  size: number,
): { share: T[]; next: number } {
  if (items.length <= size) return { share: [...items], next: 0 };
  const from = cursor % items.length;
  const share = items.slice(from, from + size);
  if (share.length < size) share.push(...items.slice(0, size - share.length));
  return { share, next: (from + size) % items.length };
}
