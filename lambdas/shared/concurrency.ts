/**
 * Runs `fn` over `items` with at most `limit` calls in flight, keeping the input order in the
 * result. The first failure rejects the whole (calls already started still finish). Written by
 * hand because p-limit and p-map are ESM-only and this package is CommonJS; it is a dozen lines.
 */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency must be a positive integer, got ${limit}`);
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
