/**
 * Runs `worker` over `items` with at most `concurrency` in flight, keeping results in item order.
 * Once `shouldStop` returns true (after an abort signal or a fail-fast failure), no new item starts:
 * items already running finish, and the rest get the result of `skip`.
 */
export async function runBounded<T, R>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T, index: number) => Promise<R>,
  options: { shouldStop: () => boolean; skip: (item: T, index: number) => R },
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;

  const lane = async (): Promise<void> => {
    for (;;) {
      const index = next;
      next += 1;
      if (index >= items.length) {
        return;
      }

      const item = items[index] as T;
      results[index] = options.shouldStop() ? options.skip(item, index) : await worker(item, index);
    }
  };

  const lanes = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, () => lane());
  await Promise.all(lanes);
  return results;
}
