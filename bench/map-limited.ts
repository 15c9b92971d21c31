// Bounded parallelism for the harness' many small requests to the server.

/** Runs `task` over `items`, at most `parallelism` at a time, results in item order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  parallelism: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, items.length) }, lane));
  return results;
}
