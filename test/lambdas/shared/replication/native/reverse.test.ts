import { describe, expect, it } from 'vitest';
import { NOTHING, REPLICATION_TIMEOUT, replicationObjects, rowsOf, useNativePair, waitForSameRows, waitForState, type NativePair } from './native.fixture';

/** A forward replication in cdc with some rows, as at cutover once the source is frozen and drained. */
async function streamingPair(servers: ReturnType<typeof useNativePair>): Promise<NativePair> {
  const pair = await servers.fresh();
  await pair.bothSql('create table items (id int primary key, name text); create table lines (order_id int, line int, qty int, primary key (order_id, line))');
  await pair.sourceSql(`insert into items select i, 'item ' || i from generate_series(1, 100) i; insert into lines values (1, 1, 1), (1, 2, 2)`);
  await pair.engine.start();
  await waitForState(pair.engine, 'cdc');
  await waitForSameRows(pair, 'items');
  return pair;
}

describe('native replication: reverse (rollback after cutover)', () => {
  const servers = useNativePair();

  it('prepareReverse pauses forward, copies no data, and carries writes made on the target back to the source', async () => {
    // Prepare: the target also has a table of its own, which the reverse must leave alone
    const pair = await streamingPair(servers);
    await pair.targetSql('create table only_on_target (id int primary key)');
    const before = await pair.engine.reverse();

    // Act
    const prepared = await pair.engine.prepareReverse();
    const reverse = await pair.engine.reverse();

    // Assess: set up, nothing copied, forward paused
    expect(before).toBeUndefined();
    expect(prepared).toMatchObject({ action: 'prepared', startPosition: expect.stringMatching(/^[0-9A-F]+\/[0-9A-F]+$/) });
    expect(reverse).toMatchObject({ kind: 'native', direction: 'reverse' });
    expect(await reverse!.status()).toEqual({
      state: 'cdc',
      tables: [
        { table: 'public.items', state: 'loaded' },
        { table: 'public.lines', state: 'loaded' },
      ],
    });
    expect(await pair.engine.status()).toMatchObject({ state: 'stopped', detail: expect.stringMatching(/paused while reverse replication is set up/) });
    expect((await pair.sourceSql('select count(*)::int as n from items')).rows[0].n).toBe(100);

    // Act: the applications now write to the target (and a stray write still hits the source)
    await pair.targetSql(`insert into items values (101, 'written on target'); update items set name = 'changed' where id = 1;
      delete from items where id = 2; update lines set qty = 20 where order_id = 1 and line = 2`);
    await pair.sourceSql(`insert into items values (500, 'not carried forward')`);

    // Assess: target writes reach the source; the source write does not reach the target
    await waitForSourceRows(pair, 'items', (rows) => rows.some((r) => r.id === 101) && !rows.some((r) => r.id === 2));
    await expect.poll(async () => rowsOf(pair.sourceSql, 'lines', 'order_id, line'), REPLICATION_TIMEOUT).toEqual(await rowsOf(pair.targetSql, 'lines', 'order_id, line'));
    const source = await rowsOf(pair.sourceSql, 'items');
    const target = await rowsOf(pair.targetSql, 'items');
    expect(source.filter((r: any) => r.id !== 500)).toEqual(target);
    expect(target.some((r: any) => r.id === 500)).toBe(false);
    await expect.poll(async () => reverse!.lag(), REPLICATION_TIMEOUT).toEqual({ seconds: 0, bytes: 0 });
  });

  it('prepareReverse is idempotent', async () => {
    const pair = await streamingPair(servers);

    const first = await pair.engine.prepareReverse();
    const second = await pair.engine.prepareReverse();

    expect(first.action).toBe('prepared');
    expect(second).toMatchObject({ action: 'already-prepared', startPosition: expect.stringMatching(/\//) });
    expect((await pair.sourceSql('select subname from pg_subscription')).rows).toEqual([{ subname: `${pair.name}_reverse` }]);
    expect((await pair.targetSql('select slot_name from pg_replication_slots')).rows).toEqual([{ slot_name: `${pair.name}_reverse` }]);
  });

  it('is undone by reverse.stop() then start(), which resumes forward; start() refuses while the reverse exists', async () => {
    // Prepare
    const pair = await streamingPair(servers);
    await pair.engine.prepareReverse();
    await pair.sourceSql(`insert into items values (200, 'written on the source while paused')`);

    // Act + Assess: forward cannot resume while the reverse exists
    await expect(pair.engine.start()).rejects.toThrow(/Reverse replication "ferry_t\d+_reverse" exists/);

    // Act: undo
    const reverse = await pair.engine.reverse();
    const stopped = await reverse!.stop();
    const resumed = await pair.engine.start();

    // Assess: the reverse parts are gone on both servers, forward carries on from where it paused
    expect(stopped.action).toBe('stopped');
    expect(resumed.action).toBe('resumed');
    await waitForState(pair.engine, 'cdc');
    await waitForSameRows(pair, 'items');
    expect(await pair.engine.reverse()).toBeUndefined();
    const onSource = await replicationObjects(pair.sourceSql);
    const onTarget = await replicationObjects(pair.targetSql);
    expect({ ...onSource, origins: [] }).toEqual({ ...NOTHING, slots: [pair.name], publications: [pair.name] });
    expect(onSource.origins).toEqual([]);
    expect({ ...onTarget, origins: [] }).toEqual({ ...NOTHING, subscriptions: [pair.name] });
  });

  it('after a rollback, resuming forward does not send the writes the reverse carried back to the target again', async () => {
    // Prepare: cutover, writes on the target carried back, then the rollback is over
    const pair = await streamingPair(servers);
    await pair.engine.prepareReverse();
    await pair.targetSql(`insert into items values (300, 'made on the target after cutover')`);
    await expect.poll(async () => (await pair.sourceSql('select count(*)::int as n from items where id = 300')).rows[0].n, REPLICATION_TIMEOUT).toBe(1);
    await (await pair.engine.reverse())!.stop();

    // Act: replicate forward again
    await pair.engine.start();
    await pair.sourceSql(`insert into items values (301, 'made on the source after rollback')`);

    // Assess: 301 arrives; 300 is not applied a second time (that would fail on the primary key)
    await waitForSameRows(pair, 'items');
    expect((await pair.engine.status()).state).toBe('cdc');
    await expect.poll(async () => pair.engine.lag(), REPLICATION_TIMEOUT).toEqual({ seconds: 0, bytes: 0 });
    expect((await pair.engine.status()).state).toBe('cdc');
  });

  it('refuses to prepare the reverse before the forward replication exists or has copied every table', async () => {
    // Prepare: the copy blocks at its 5th row on a lock the test holds
    const pair = await servers.fresh();
    await pair.bothSql('create table items (id int primary key)');
    await pair.sourceSql('insert into items select generate_series(1, 10)');
    await pair.targetSql(`
      create function wait_at_5() returns trigger language plpgsql as $$
      begin if new.id = 5 then perform pg_advisory_xact_lock_shared(4244); end if; return new; end $$;
      create trigger wait_at_5 before insert on items for each row execute function wait_at_5();
      alter table items enable always trigger wait_at_5;
      select pg_advisory_lock(4244);
    `);

    // Act + Assess
    await expect(pair.engine.prepareReverse()).rejects.toThrow(/does not exist on the target database; there is nothing to reverse/);
    await expect(pair.reverse.start()).rejects.toThrow(/set up by prepareReverse\(\)/);
    await pair.engine.start();
    await waitForState(pair.engine, 'full-load');
    await expect(pair.engine.prepareReverse()).rejects.toThrow(/has not copied every table yet \(0 of 1 loaded\)/);
    expect(await pair.engine.reverse()).toBeUndefined();
    await pair.targetSql('select pg_advisory_unlock(4244)');
  });
});

async function waitForSourceRows(pair: NativePair, table: string, done: (rows: any[]) => boolean): Promise<void> {
  await expect.poll(async () => done(await rowsOf(pair.sourceSql, table)), REPLICATION_TIMEOUT).toBe(true);
}
