import { describe, expect, it } from 'vitest';
import { detectDrift } from '../../../../lambdas/shared/drift/detect';
import { useFreshPairEachTest } from '../../../helpers/database-pair';

describe('data drift between a source and a target', () => {
  const pair = useFreshPairEachTest();

  it('reports missing, extra and changed rows per table, with counts and keys', async () => {
    // Prepare
    await pair.bothSql(`
      CREATE TABLE orders (id int PRIMARY KEY, total int, note text);
      INSERT INTO orders SELECT i, i, 'n' FROM generate_series(1, 1000) i;
      CREATE TABLE lines (id int PRIMARY KEY);
      INSERT INTO lines SELECT generate_series(1, 200);
      CREATE TABLE same (id int PRIMARY KEY);
      INSERT INTO same SELECT generate_series(1, 30);
    `);
    await pair.targetSql(`
      DELETE FROM orders WHERE id = 17;
      INSERT INTO orders VALUES (1001, 1, 'new');
      UPDATE orders SET total = -1 WHERE id = 500;
      DELETE FROM lines WHERE id IN (4, 3);
    `);

    // Act
    const first = await detectDrift({ source: pair.source, target: pair.target }, { data: 'full' });
    const second = await detectDrift({ source: pair.source, target: pair.target }, { data: 'full' });

    // Assess
    expect(first.differences).toEqual([
      {
        kind: 'data-rows-missing',
        object: 'table public.lines',
        source: { rows: 2 },
        target: null,
        severity: 'error',
        detail: '2 rows of the source not on the target: {"id":3}, {"id":4}',
      },
      {
        kind: 'data-rows-changed',
        object: 'table public.orders',
        source: { rows: 1 },
        target: { rows: 1 },
        severity: 'error',
        detail: '1 row with other values on the target: {"id":500} (total)',
      },
      {
        kind: 'data-rows-extra',
        object: 'table public.orders',
        source: null,
        target: { rows: 1 },
        severity: 'error',
        detail: '1 row on the target not in the source: {"id":1001}',
      },
      {
        kind: 'data-rows-missing',
        object: 'table public.orders',
        source: { rows: 1 },
        target: null,
        severity: 'error',
        detail: '1 row of the source not on the target: {"id":17}',
      },
    ]);
    expect(first.counts).toEqual({
      schema: 0,
      data: 4,
      sequences: 0,
      byKind: { 'data-rows-missing': 2, 'data-rows-extra': 1, 'data-rows-changed': 1 },
    });
    expect(first.data).toEqual({ mode: 'full', compared: true, tables: 3, rows: 1230, notes: [] });
    expect(first.incomplete).toEqual([]);
    expect(second.fingerprint).toBe(first.fingerprint);
  });

  it('names a few keys and counts the rest', async () => {
    // Prepare
    await pair.bothSql(`CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100)`);
    await pair.targetSql(`DELETE FROM t WHERE id <= 8`);

    // Act
    const result = await detectDrift({ source: pair.source, target: pair.target }, { data: 'full' });

    // Assess
    expect(result.differences).toEqual([
      expect.objectContaining({
        kind: 'data-rows-missing',
        source: { rows: 8 },
        detail: '8 rows of the source not on the target: {"id":1}, {"id":2}, {"id":3}, {"id":4}, {"id":5}, and 3 more',
      }),
    ]);
  });

  it('leaves a table on one side only to the schema, and notes what it could not compare', async () => {
    // Prepare
    await pair.sourceSql(`CREATE TABLE gone (id int PRIMARY KEY); INSERT INTO gone SELECT generate_series(1, 10)`);
    await pair.bothSql(`CREATE TABLE log (at int, what text); INSERT INTO log SELECT i, 'x' FROM generate_series(1, 50) i`);
    await pair.bothSql(`CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 1)`);
    await pair.sourceSql(`ALTER TABLE t ADD COLUMN legacy text`);
    await pair.targetSql(`UPDATE log SET what = 'y' WHERE at = 7`);

    // Act
    const result = await detectDrift({ source: pair.source, target: pair.target }, { data: 'full' });

    // Assess: a keyless table's changed row is one missing and one extra.
    expect(result.differences.map((d) => [d.kind, d.object])).toEqual([
      ['column-missing', 'public.t.legacy'],
      ['table-missing', 'table public.gone'],
      ['data-rows-extra', 'table public.log'],
      ['data-rows-missing', 'table public.log'],
    ]);
    expect(result.differences[3]!.detail).toBe('1 row of the source not on the target: {"at":7,"what":"x"}');
    expect(result.data).toEqual({
      mode: 'full',
      compared: true,
      tables: 2,
      rows: 51,
      notes: [
        'public.log: no primary key or unique NOT NULL key: compared as a multiset of whole rows (a changed row shows as missing + extra)',
        'public.t: columns only in the source, not compared: legacy',
      ],
    });
  });

  it('lists the tables it could not finish before the deadline', async () => {
    // Prepare
    await pair.bothSql(`CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (id int PRIMARY KEY)`);

    // Act
    const result = await detectDrift({ source: pair.source, target: pair.target }, { data: 'full', deadline: Date.now() - 1 });

    // Assess
    expect(result.incomplete).toEqual(['public.a', 'public.b']);
    expect(result.differences).toEqual([]);
    expect(result.data).toMatchObject({ compared: true, tables: 0, rows: 0 });
  });

  it('compares none of the data unless asked', async () => {
    await pair.bothSql(`CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)`);
    await pair.targetSql(`DELETE FROM t`);

    const result = await detectDrift({ source: pair.source, target: pair.target });

    expect(result.differences).toEqual([]);
    expect(result).not.toHaveProperty('data');
  });

  it('finds a difference in the sampled segments of a large table and says how many segments it sampled', async () => {
    // Prepare: 1,000,000 rows are ten segments of the default 100,000; every 1,000th row changed,
    // so every segment holds about a hundred changes. A small table is one segment, compared whole.
    await pair.bothSql(`
      CREATE TABLE big (id int PRIMARY KEY, v int);
      INSERT INTO big SELECT i, i FROM generate_series(1, 1000000) i;
      CREATE TABLE small (id int PRIMARY KEY, v int);
      INSERT INTO small SELECT i, i FROM generate_series(1, 100) i;
    `);
    await pair.targetSql(`UPDATE big SET v = -v WHERE id % 1000 = 0; UPDATE small SET v = 0 WHERE id = 5`);
    // The plan follows pg_class's row estimate. VACUUM ANALYZE makes it exact on both sides, so that
    // autovacuum's sampled estimate of the updated target (which can read 1.2M) does not decide it.
    for (const sql of [pair.sourceSql, pair.targetSql]) await sql('VACUUM ANALYZE big');
    const estimates = await Promise.all(
      [pair.sourceSql, pair.targetSql].map((sql) => sql(`SELECT reltuples::bigint AS n FROM pg_class WHERE relname = 'big'`)),
    );
    const bigSegments = Math.ceil(Math.max(...estimates.map((e) => Number(e.rows[0].n))) / 100_000);

    // Act
    const result = await detectDrift({ source: pair.source, target: pair.target }, { data: 'sample', sampleSegments: 2 });

    // Assess: ten segments of the large table, one of the small table.
    expect(result.data).toEqual({
      mode: 'sample',
      compared: true,
      tables: 2,
      rows: expect.any(Number),
      segments: { compared: 3, planned: expect.any(Number) },
      notes: [],
    });
    expect(bigSegments).toBe(10);
    expect(result.data!.segments!.planned).toBe(bigSegments + 1);
    expect(result.differences.map((d) => [d.kind, d.object])).toEqual([
      ['data-rows-changed', 'table public.big'],
      ['data-rows-changed', 'table public.small'],
    ]);
    // Segment sizes follow a random page sample, so only their sum is known: fewer rows than the
    // table, and one change per 1,000 of them (each segment's ends may add or lose one).
    const bigRows = result.data!.rows - 100;
    const changed = (result.differences[0]!.source as { rows: number }).rows;
    expect(bigRows).toBeLessThan(1_000_000);
    expect(changed).toBeGreaterThan(0);
    expect(Math.abs(changed - bigRows / 1000)).toBeLessThanOrEqual(3);
  });
});
