import { describe, expect, it } from 'vitest';
import { mapWithConcurrency } from '../../../lambdas/shared/concurrency';

describe('mapWithConcurrency', () => {
  it('never has more than the limit in flight, and keeps the input order', async () => {
    let inFlight = 0;
    let peak = 0;
    const result = await mapWithConcurrency([5, 1, 4, 2, 3, 0], 2, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, n));
      inFlight--;
      return n * 10;
    });
    expect(peak).toBe(2);
    expect(result).toEqual([50, 10, 40, 20, 30, 0]);
  });

  it('rejects with the first failure', async () => {
    await expect(mapWithConcurrency([1, 2, 3], 3, async (n) => {
      if (n === 2) throw new Error('two');
      return n;
    })).rejects.toThrow('two');
  });

  it('refuses a limit below 1', async () => {
    await expect(mapWithConcurrency([1], 0, async (n) => n)).rejects.toThrow('concurrency must be a positive integer, got 0');
  });
});
