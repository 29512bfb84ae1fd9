import { beforeEach, describe, expect, it } from 'vitest';
import { compareData } from '../../../../lambdas/shared/compare/data/compare';
import { MemoryLedger, type CompareLedger } from '../../../../lambdas/shared/compare/data/ledger';
import { drawSegments } from '../../../../lambdas/shared/compare/data/table';
import { usePostgresPair, type DatabasePair } from '../../../helpers/database-pair';

/**
 * The data comparison's `segmentSample` (CompareDataOptions), which the drift check's `sample`
 * mode uses. 5,000 rows in segments of 500, analyzed so that the plan samples every page: ten
 * segments cut exactly at ids 501, 1001, ..., 4501, so segment n holds ids 500n + 1 to 500n + 500.
 */
const SETUP = `create table t (id int primary key, v text); insert into t select i, md5(i::text) from generate_series(1, 5000) i; analyze t`;
const OPTIONS = { segmentRows: 500, leafRows: 100 } as const;

/** Random numbers that make drawSegments(10, 2, ...) pick segments 3 and 5 (see the first test). */
function picksThreeAndFive(): () => number {
  const numbers = [0.35, 0.5];
  return () => numbers.shift() ?? 0;
}

describe('drawing segments at random', () => {
  it('draws distinct segments in ascending order, as many as asked', () => {
    // Prepare: 0.35 of 10 picks 3; then 0.5 of the 9 left (0, 1, 2, 4, ...; 3 moved to the front) picks the fifth: 5.
    const random = picksThreeAndFive();

    // Act
    const drawn = drawSegments(10, 2, random);

    // Assess
    expect(drawn).toEqual([3, 5]);
  });

  it('gives every segment when the sample is as large as the plan or larger', () => {
    expect(drawSegments(3, 3, Math.random)).toEqual([0, 1, 2]);
    expect(drawSegments(3, 10, Math.random)).toEqual([0, 1, 2]);
    expect(drawSegments(1, 4, Math.random)).toEqual([0]);
  });

  it('stays within the plan even when the random source returns its upper bound', () => {
    expect(drawSegments(5, 5 - 1, () => 0.9999999999999999)).toHaveLength(4);
    const drawn = drawSegments(5, 2, () => 1);
    expect(drawn.every((n) => n >= 0 && n < 5)).toBe(true);
    expect(new Set(drawn).size).toBe(2);
  });

  it('draws every segment about equally often', () => {
    // Prepare
    const counts = new Array<number>(10).fill(0);

    // Act
    for (let i = 0; i < 5_000; i++) for (const n of drawSegments(10, 3, Math.random)) counts[n]!++;

    // Assess: 1,500 expected each; 5 standard deviations is about +-160.
    for (const count of counts) expect(Math.abs(count - 1_500)).toBeLessThan(200);
  });
});

describe('a data comparison of a sample of segments', () => {
  const servers = usePostgresPair();
  let pair: DatabasePair;
  beforeEach(async () => {
    pair = await servers.freshPair();
    await pair.bothSql(SETUP);
    // One change in segment 3 (ids 1501-2000), one in segment 8 (ids 4001-4500).
    await pair.targetSql(`update t set v = 'changed' where id in (1700, 4300)`);
  });

  it('compares only the drawn segments and says how many of how many', async () => {
    // Act
    const { tables } = await compareData(pair.source, pair.target, { ...OPTIONS, segmentSample: 2, random: picksThreeAndFive() });

    // Assess: segment 3's change is found, segment 8 was not compared.
    expect(tables).toEqual([
      expect.objectContaining({
        table: 'public.t',
        status: 'different',
        rows: 1000,
        targetRows: 1000,
        changedTotal: 1,
        changed: [{ key: { id: 1700 }, columns: ['v'] }],
        sampled: { segments: 2, of: 10 },
      }),
    ]);
  });

  it('compares every segment when the sample covers the plan, and says so', async () => {
    const { tables } = await compareData(pair.source, pair.target, { ...OPTIONS, segmentSample: 50 });

    expect(tables[0]).toMatchObject({ rows: 5000, changedTotal: 2, sampled: { segments: 10, of: 10 } });
  });

  it('reports no sample when none was asked for', async () => {
    const { tables } = await compareData(pair.source, pair.target, OPTIONS);

    expect(tables[0]).toMatchObject({ rows: 5000, changedTotal: 2 });
    expect(tables[0]).not.toHaveProperty('sampled');
  });

  it('resumes with the segments drawn before, not a new draw', async () => {
    // Prepare: stop after the first drawn segment.
    const ledger = new MemoryLedger();
    let clock = 0;
    const first = await compareData(pair.source, pair.target, {
      ...OPTIONS,
      ledger,
      segmentSample: 2,
      random: picksThreeAndFive(),
      deadline: 1_000_000,
      now: () => clock,
      onProgress: (p) => {
        if (p.segmentsDone >= 1) clock = 2_000_000;
      },
    });
    expect(first.pending).toEqual(['public.t']);
    const written: number[] = [];
    const recording: CompareLedger = {
      runStep: (name, fn) => ledger.runStep(name, fn),
      listSegments: (table) => ledger.listSegments(table),
      putSegment: async (table, n, result) => {
        written.push(n);
        await ledger.putSegment(table, n, result);
      },
    };

    // Act: a random source that would draw segments 0 and 1.
    const resumed = await compareData(pair.source, pair.target, { ...OPTIONS, ledger: recording, segmentSample: 2, random: () => 0 });

    // Assess
    expect(written).toEqual([5]);
    expect(resumed.tables[0]).toMatchObject({ rows: 1000, changedTotal: 1, sampled: { segments: 2, of: 10 } });
  });

  it('compares a table without a key whole, with a warning', async () => {
    // Prepare
    await pair.bothSql(`create table log (at int, what text); insert into log select i, 'x' from generate_series(1, 3000) i`);
    await pair.targetSql(`update log set what = 'y' where at = 2999`);

    // Act
    const { tables } = await compareData(pair.source, pair.target, {
      ...OPTIONS,
      selection: { include: ['public.log'] },
      segmentSample: 1,
    });

    // Assess
    expect(tables[0]).toMatchObject({ table: 'public.log', rows: 3000, missingTotal: 1, extraTotal: 1, sampled: { segments: 1, of: 1 } });
    expect(tables[0]!.warnings).toContain('no key to cut segments by: compared whole, not sampled');
  });

  it('rejects a sample that is not a positive integer', async () => {
    for (const segmentSample of [0, -1, 1.5]) {
      await expect(compareData(pair.source, pair.target, { ...OPTIONS, segmentSample })).rejects.toThrow(
        `segmentSample must be a positive integer, got ${segmentSample}`,
      );
    }
  });
});
