import { describe, expect, it } from 'vitest';
import { ensureMarkerTable, MARKER_TABLE, MarkerTimeoutError, waitForMarker, writeMarker } from '../../../../lambdas/shared/cutover/marker';
import { readTables } from '../../../../lambdas/shared/compare/data/catalog';
import { ALL_USER_TABLES } from '../../../../lambdas/shared/compare/table-patterns';
import { listTables } from '../../../../lambdas/list-tables/list-tables';
import { manualClock } from '../../../helpers/clock';
import { REPLICATION_TIMEOUT, useNativePair, waitForState } from '../replication/native/native.fixture';

const REAL_WAIT = () => ({ deadline: Date.now() + REPLICATION_TIMEOUT.timeout });

describe('cutover marker', () => {
  const servers = useNativePair();

  it('ensureMarkerTable is idempotent, also when run concurrently, and makes an insert-only table without a key', async () => {
    // Prepare
    const { source, sourceSql } = await servers.fresh();

    // Act
    await Promise.all([ensureMarkerTable(source), ensureMarkerTable(source)]);
    await ensureMarkerTable(source);
    await writeMarker(source, { id: 'm', direction: 'source->target' });
    await writeMarker(source, { id: 'm', direction: 'source->target' });

    // Assess: duplicates allowed (the initial copy may bring rows that are there), deletes allowed
    const { rows } = await sourceSql(`
      select c.relreplident::text as identity, (select count(*)::int from pg_index i where i.indrelid = c.oid) as indexes,
             (select count(*)::int from ferry.cutover_marker where id = 'm' and direction = 'source->target' and written_at <= now()) as markers
        from pg_class c where c.oid = 'ferry.cutover_marker'::regclass`);
    expect(rows).toEqual([{ identity: 'f', indexes: 0, markers: 2 }]);
    expect(MARKER_TABLE).toEqual({ schema: 'ferry', name: 'cutover_marker' });
    await sourceSql('delete from ferry.cutover_marker');
  });

  it('is never listed for comparison, even with *.*', async () => {
    // Prepare
    const { source, sourceSql } = await servers.fresh();
    await ensureMarkerTable(source);
    await sourceSql('create table items (id int primary key)');

    // Act
    const compared = await readTables(source, ALL_USER_TABLES);
    const listed = await listTables('orders', source, ALL_USER_TABLES);

    // Assess
    expect(compared.map((t) => `${t.schema}.${t.name}`)).toEqual(['public.items']);
    expect(listed.tables).toEqual([{ schema: 'public', name: 'items' }]);
  });

  it('waitForMarker returns once the marker is visible, with the time it took', async () => {
    // Prepare: the marker is written during the second sleep
    const { source } = await servers.fresh();
    await ensureMarkerTable(source);
    const clock = manualClock();
    let sleeps = 0;
    const sleep = async (ms: number) => {
      clock.advance(ms);
      if (++sleeps === 2) await writeMarker(source, { id: 'run-1:source', direction: 'source->target' });
    };

    // Act
    const result = await waitForMarker(source, 'run-1:source', { deadline: clock.now() + 1000, pollMs: 50, now: clock.now, sleep });

    // Assess
    expect(result).toEqual({ visibleAfterMs: 100 });
    expect(sleeps).toBe(2);
  });

  it('waitForMarker throws MarkerTimeoutError at the deadline, after a last look at it', async () => {
    // Prepare
    const { source } = await servers.fresh();
    await ensureMarkerTable(source);
    await writeMarker(source, { id: 'another', direction: 'source->target' });
    const clock = manualClock();
    const slept: number[] = [];
    const sleep = async (ms: number) => {
      slept.push(ms);
      clock.advance(ms);
    };

    // Act
    const wait = waitForMarker(source, 'run-1:source', { deadline: clock.now() + 120, pollMs: 50, now: clock.now, sleep });

    // Assess
    await expect(wait).rejects.toThrow(MarkerTimeoutError);
    await expect(wait).rejects.toMatchObject({ name: 'MarkerTimeoutError', markerId: 'run-1:source', waitedMs: 120 });
    await expect(wait).rejects.toThrow(/did not reach the source database within 120 ms: replication did not deliver .* within the freeze budget/);
    expect(slept).toEqual([50, 50, 20]);
  });

  it('travels with native replication: source to target after start(), target to source after prepareReverse()', async () => {
    // Prepare
    const pair = await servers.fresh();
    await pair.bothSql('create table items (id int primary key)');
    await pair.sourceSql('insert into items select generate_series(1, 10)');

    // Act: forward
    await pair.engine.start();
    await waitForState(pair.engine, 'cdc');
    await writeMarker(pair.source, { id: 'forward', direction: 'source->target' });
    const forward = await waitForMarker(pair.target, 'forward', REAL_WAIT());

    // Assess: arrived; the marker table is replicated but not reported as one of the migration's tables
    expect(forward.visibleAfterMs).toBeGreaterThanOrEqual(0);
    expect(await pair.engine.status()).toEqual({ state: 'cdc', tables: [{ table: 'public.items', state: 'loaded' }] });
    expect((await pair.sourceSql(`select schemaname || '.' || tablename as t from pg_publication_tables order by 1`)).rows.map((r) => r.t)).toEqual([
      'ferry.cutover_marker',
      'public.items',
    ]);

    // Act: reverse
    await pair.engine.prepareReverse();
    await writeMarker(pair.target, { id: 'reverse', direction: 'target->source' });
    const reverse = await waitForMarker(pair.source, 'reverse', REAL_WAIT());

    // Assess
    expect(reverse.visibleAfterMs).toBeGreaterThanOrEqual(0);
    const sourceMarkers = await pair.sourceSql('select id, direction from ferry.cutover_marker order by id');
    expect(sourceMarkers.rows).toEqual([
      { id: 'forward', direction: 'source->target' },
      { id: 'reverse', direction: 'target->source' },
    ]);
  });

  it('start() adds the marker table to a replication set up without it (an older Ferry)', async () => {
    // Prepare: a running replication whose publication and subscription lack the marker table, then paused
    const pair = await servers.fresh();
    await pair.bothSql('create table items (id int primary key)');
    await pair.engine.start();
    await waitForState(pair.engine, 'cdc');
    await pair.sourceSql(`alter publication ${pair.name} drop table ferry.cutover_marker`);
    await pair.targetSql(`alter subscription ${pair.name} refresh publication`);
    await pair.targetSql(`alter subscription ${pair.name} disable`);

    // Act
    const resumed = await pair.engine.start();
    await writeMarker(pair.source, { id: 'after-upgrade', direction: 'source->target' });

    // Assess
    expect(resumed.action).toBe('resumed');
    await waitForMarker(pair.target, 'after-upgrade', REAL_WAIT());
    expect((await pair.sourceSql(`select count(*)::int as n from pg_publication_tables where schemaname = 'ferry'`)).rows[0].n).toBe(1);
  });
});
