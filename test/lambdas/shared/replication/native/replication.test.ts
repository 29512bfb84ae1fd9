import { describe, expect, it } from 'vitest';
import { ReplicationLagUnknownError } from '../../../../../lambdas/shared/replication/engine';
import { REPLICATION_TIMEOUT, rowsOf, useNativePair, waitForSameRows, waitForState } from './native.fixture';

const SCHEMA = `
  create table items (id int primary key, name text not null, price numeric(10, 2));
  create table lines (order_id bigint, line int, qty int not null, primary key (order_id, line));
  create table docs (id int primary key, body jsonb, blob bytea);
`;

describe('native replication: copy and changes', () => {
  const servers = useNativePair();

  it('copies the existing rows, then replicates inserts, updates and deletes', async () => {
    // Prepare
    const pair = await servers.fresh();
    await pair.bothSql(SCHEMA);
    await pair.sourceSql(`
      insert into items select i, 'item ' || i, i * 1.5 from generate_series(1, 500) i;
      insert into lines select o, l, o * l from generate_series(1, 50) o, generate_series(1, 4) l;
      insert into docs values (1, '{"a": [1, 2, {"b": null}]}', '\\x00ff10'), (2, null, null);
    `);

    // Act
    const started = await pair.engine.start();
    await waitForState(pair.engine, 'cdc');

    // Assess: the initial copy
    expect(started.action).toBe('started');
    for (const table of ['items', 'docs']) await waitForSameRows(pair, table);
    await waitForSameRows(pair, 'lines', 'order_id, line');

    // Act: changes on the source
    await pair.sourceSql(`
      insert into items values (501, 'new', 1);
      update items set name = 'renamed', price = null where id = 7;
      delete from items where id between 10 and 19;
      update lines set qty = -1 where order_id = 3 and line = 2;
      delete from lines where order_id = 4;
      insert into lines values (51, 1, 1);
      update docs set body = jsonb_set(body, '{a,0}', '"x"'), blob = '\\xdeadbeef' where id = 1;
      insert into docs values (3, '{"k": "v"}', '\\x');
      delete from docs where id = 2;
    `);

    // Assess
    await waitForSameRows(pair, 'items');
    await waitForSameRows(pair, 'lines', 'order_id, line');
    await waitForSameRows(pair, 'docs');
    expect(await rowsOf(pair.targetSql, 'docs')).toEqual([
      { id: 1, body: { a: ['x', 2, { b: null }] }, blob: '\\xdeadbeef' },
      { id: 3, body: { k: 'v' }, blob: '\\x' },
    ]);
  });

  it('replicates a partitioned table through its root, into a table partitioned differently', async () => {
    const pair = await servers.fresh();
    await pair.sourceSql(`create table events (id int, at date, primary key (id, at)) partition by range (at);
      create table events_2024 partition of events for values from ('2024-01-01') to ('2025-01-01');
      create table events_2025 partition of events for values from ('2025-01-01') to ('2026-01-01');
      insert into events values (1, '2024-05-01'), (2, '2025-05-01')`);
    await pair.targetSql(`create table events (id int, at date, primary key (id, at))`);

    await pair.engine.start();
    await waitForState(pair.engine, 'cdc');
    await pair.sourceSql(`insert into events values (3, '2025-06-01'); delete from events where id = 1`);

    await waitForSameRows(pair, 'events');
    const status = await pair.engine.status();
    expect(status).toEqual({ state: 'cdc', tables: [{ table: 'public.events', state: 'loaded' }] });
  });

  it('reports per-table progress while copying, with rows copied so far, then cdc', async () => {
    // Prepare: the copy of "big" blocks at its 1,000th row on a lock the test holds (an ALWAYS
    // trigger fires during the table-sync COPY too), so the full-load state can be seen.
    const pair = await servers.fresh();
    await pair.bothSql(`create table big (id int primary key, v text); create table small (id int primary key)`);
    await pair.sourceSql(`insert into big select i, 'v' from generate_series(1, 3000) i; insert into small values (1)`);
    await pair.targetSql(`
      create function wait_at_1000() returns trigger language plpgsql as $$
      begin if new.id = 1000 then perform pg_advisory_xact_lock_shared(4242); end if; return new; end $$;
      create trigger wait_at_1000 before insert on big for each row execute function wait_at_1000();
      alter table big enable always trigger wait_at_1000;
      select pg_advisory_lock(4242);
    `);

    // Act
    await pair.engine.start();

    // Assess: big is loading with 999 rows copied (its COPY's) while small finishes with its 1 row
    // (its inserts, once the statistics have it)
    await expect
      .poll(async () => pair.engine.status(), REPLICATION_TIMEOUT)
      .toEqual({
        state: 'full-load',
        tables: [
          { table: 'public.big', state: 'loading', rowsCopied: 999 },
          { table: 'public.small', state: 'loaded', rowsCopied: 1 },
        ],
      });

    // Act: let the copy go on
    await pair.targetSql('select pg_advisory_unlock(4242)');

    // Assess
    await waitForState(pair.engine, 'cdc');
    await waitForSameRows(pair, 'big');
  });

  it('measures lag: zero when caught up, unknown (not zero) while the subscription is disabled', async () => {
    // Prepare
    const pair = await servers.fresh();
    await pair.bothSql(SCHEMA);
    await pair.engine.start();
    await waitForState(pair.engine, 'cdc');

    // Assess: caught up
    await expect.poll(async () => pair.engine.lag(), REPLICATION_TIMEOUT).toEqual({ seconds: 0, bytes: 0 });

    // Act: writes while the target's subscription is disabled
    await pair.targetSql(`alter subscription ${pair.name} disable`);
    await expect.poll(async () => (await pair.sourceSql(`select active from pg_replication_slots where slot_name = $1`, [pair.name])).rows[0].active, REPLICATION_TIMEOUT).toBe(false);
    await pair.sourceSql(`insert into items select i, 'x', 1 from generate_series(1, 1000) i`);

    // Assess
    const error = await pair.engine.lag().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplicationLagUnknownError);
    expect((error as ReplicationLagUnknownError).bytes).toBeGreaterThan(50_000);
    expect((error as Error).message).toMatch(/nothing is connected to the slot/);

    // Act: resume
    expect((await pair.engine.start()).action).toBe('resumed');

    // Assess
    await expect.poll(async () => pair.engine.lag(), REPLICATION_TIMEOUT).toEqual({ seconds: 0, bytes: 0 });
    await waitForSameRows(pair, 'items');
  });

  it('measures lag in seconds as the time the target takes to catch up, and calls it unknown past the probe limit', async () => {
    // Prepare: the apply worker blocks on a lock the test holds on the target table
    const pair = await servers.fresh();
    await pair.bothSql(SCHEMA);
    await pair.engine.start();
    await waitForState(pair.engine, 'cdc');
    await expect.poll(async () => pair.engine.lag(), REPLICATION_TIMEOUT).toEqual({ seconds: 0, bytes: 0 });
    await pair.targetSql('begin; lock table items in access exclusive mode');
    await pair.sourceSql(`insert into items values (1, 'a', 1)`);
    const shortProbe = pair.engineWith({ lagProbeMs: 300 });

    // Act + Assess: stuck longer than the probe
    await expect(shortProbe.lag()).rejects.toThrow(/Replication lag is more than 0.3 s/);

    // Act: release the lock 700 ms into a measurement
    const measuring = pair.engine.lag();
    await new Promise((resolve) => setTimeout(resolve, 700));
    await pair.targetSql('commit');
    const lag = await measuring;

    // Assess
    expect(lag.bytes).toBeGreaterThan(0);
    expect(lag.seconds).toBeGreaterThanOrEqual(0.6);
    expect(lag.seconds).toBeLessThan(10);
    await waitForSameRows(pair, 'items');
  });
});
