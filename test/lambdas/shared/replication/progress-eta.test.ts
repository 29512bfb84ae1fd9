import { describe, expect, it } from 'vitest';
import type { TransitionRecord } from '../../../../lambdas/shared/checkpoints';
import { fullLoadProgress, fullLoadStartedAt, type TableLoad } from '../../../../lambdas/shared/replication/progress-eta';

const START = Date.parse('2026-03-01T10:00:00Z');
const at = (seconds: number) => ({ startedAt: START, now: START + seconds * 1000 });

describe('fullLoadProgress', () => {
  it('takes rows left at the average rate since the start: loaded tables need no estimate, an outgrown estimate leaves 0', () => {
    // Prepare: 100 s in, 6,000 rows copied (60 rows/s); 3,000 + 600 rows left
    const tables: TableLoad[] = [
      { table: 'public.done', state: 'loaded', rowsCopied: 1_000 },
      { table: 'public.grown', state: 'loading', rowsCopied: 2_500, rowsEstimated: 2_000 },
      { table: 'public.half', state: 'loading', rowsCopied: 2_500, rowsEstimated: 5_500 },
      { table: 'public.next', state: 'pending', rowsEstimated: 600 },
    ];

    // Act
    const progress = fullLoadProgress(tables, at(100));

    // Assess
    expect(progress).toEqual({
      rowsCopied: 6_000,
      rowsEstimated: null,
      rowsLeft: 3_600,
      percent: 62.5,
      rowsPerSecond: 60,
      estimatedSecondsLeft: 60,
      tablesWithoutEstimate: 0,
    });
  });

  it('is done (0 seconds, 100%) when every table is loaded', () => {
    const progress = fullLoadProgress([{ table: 'public.a', state: 'loaded', rowsCopied: 10, rowsEstimated: 12 }], at(5));

    expect(progress).toMatchObject({ rowsLeft: 0, percent: 100, estimatedSecondsLeft: 0, rowsEstimated: 12 });
  });

  it.each<[string, readonly TableLoad[], ReturnType<typeof at> | { now: number }, Partial<ReturnType<typeof fullLoadProgress>>]>([
    ['no start known: no rate yet', [{ table: 'public.a', state: 'loading', rowsCopied: 10, rowsEstimated: 100 }], { now: START }, { rowsPerSecond: null, rowsLeft: 90 }],
    ['no time elapsed: no rate yet', [{ table: 'public.a', state: 'loading', rowsCopied: 10, rowsEstimated: 100 }], at(0), { rowsPerSecond: null }],
    ['nothing copied yet: rate 0', [{ table: 'public.a', state: 'pending', rowsEstimated: 100 }], at(30), { rowsPerSecond: 0, percent: 0 }],
    ['a table not loaded without an estimate (never 0)', [{ table: 'public.a', state: 'loading', rowsCopied: 10 }], at(30), { rowsLeft: null, percent: null, tablesWithoutEstimate: 1 }],
    ['a count missing: the rate would be too low', [{ table: 'public.a', state: 'loaded' }, { table: 'public.b', state: 'loading', rowsCopied: 5, rowsEstimated: 50 }], at(30), { rowsPerSecond: null }],
    ['no table listed yet', [], at(30), { rowsLeft: null, percent: null }],
  ])('has no ETA with %s', (_, tables, timing, figures) => {
    const progress = fullLoadProgress(tables, timing);

    expect(progress.estimatedSecondsLeft).toBeNull();
    expect(progress).toMatchObject(figures);
  });
});

describe('fullLoadStartedAt', () => {
  it('is the newest move into replicating, undefined without one', () => {
    const move = (to: TransitionRecord['to'], iso: string): TransitionRecord => ({ from: 'new', to, version: 1, at: iso, reason: 'test' });
    const history = [move('replicating', '2026-03-01T09:00:00Z'), move('aborted', '2026-03-01T09:30:00Z'), move('replicating', '2026-03-01T10:00:00Z'), move('ready', '2026-03-01T12:00:00Z')];

    expect(fullLoadStartedAt(history)).toBe(START);
    expect(fullLoadStartedAt([move('aborted', '2026-03-01T09:30:00Z')])).toBeUndefined();
    expect(fullLoadStartedAt(undefined)).toBeUndefined();
  });
});
