/**
 * Runs `work` for every item, at most `limit` at a time, and resolves with the
 * results in the items' order. File operations of many small files are bound by
 * the latency of each call, not by the disk's throughput: a few in flight at once
 * (libuv's thread pool has four threads) make a tree of small files go several
 * times faster. The first failure rejects; the calls already running finish.
 */
export async function mapConcurrently<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index]!, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
