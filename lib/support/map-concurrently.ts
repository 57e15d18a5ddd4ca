/**
 * Runs `work` on every item with at most `limit` calls in flight and returns the results in input order,
 * so that many objects are handled quickly without flooding the API server. The first rejection rejects
 * the whole call; calls already started are left to finish.
 */
export async function mapConcurrently<Item, Result>(
  items: readonly Item[],
  limit: number,
  work: (item: Item, index: number) => Promise<Result>,
): Promise<Result[]> {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new Error(`concurrency limit must be a whole number of at least 1, got ${limit}`);
  }
  const results: Result[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
