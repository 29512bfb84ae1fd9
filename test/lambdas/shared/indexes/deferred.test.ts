import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { buildIndexes, deferIndexes, indexStates, secondaryIndexes, type IndexPlan, type IndexPlanStore } from '../../../../lambdas/shared/indexes/deferred';
import { useFreshPairEachTest } from '../../../helpers/database-pair';

const SETTINGS = { maintenanceWorkMemMb: 64, parallelWorkers: 2, concurrentBuilds: 2 };
const TABLES = [{ schema: 'public', name: 'orders' }, { schema: 'public', name: 'customers' }];

/** A plan kept in a variable: the store's shape, so that a crash between saves can be replayed. */
function planStore(): IndexPlanStore & { plan?: IndexPlan } {
  const store: IndexPlanStore & { plan?: IndexPlan } = {
    load: async () => store.plan,
    save: async (plan) => {
      store.plan = plan;
    },
  };
  return store;
}

const SCHEMA = `
  create table customers (id int primary key, email text, constraint customers_email_key unique (email));
  create table orders (id bigint primary key, customer int references customers (email) deferrable, note text, total numeric);
  create unique index orders_note_idx on orders (note) where note is not null;
  create index orders_total_idx on orders (total desc, id);
  create index "Orders By Customer" on orders (customer);
  insert into customers select i, 'c' || i from generate_series(1, 200) i;
  insert into orders select i, null, 'n' || i, i % 97 from generate_series(1, 20000) i;`.replace('references customers (email)', 'references customers (id)');

/** Secondary indexes dropped before the copy and built again after it, exactly, against a real server. */
describe('deferred secondary indexes', () => {
  const pair = useFreshPairEachTest();
  const connect = async () => {
    const client = new pg.Client({ connectionString: pair.targetUrl });
    await client.connect();
    return client;
  };
  const definitions = async () =>
    (await pair.targetSql(`select indexrelid::regclass::text as name, pg_get_indexdef(indexrelid) as definition, indisvalid and indisready as valid
                             from pg_index x join pg_class t on t.oid = x.indrelid where t.relname in ('orders', 'customers') order by 1`)).rows;

  it('records only the secondary indexes, leaving keys and constraint indexes alone', async () => {
    await pair.targetSql(SCHEMA);

    const indexes = await secondaryIndexes(pair.target, TABLES);

    expect(indexes.map((i) => i.name)).toEqual(['Orders By Customer', 'orders_note_idx', 'orders_total_idx']);
  });

  it('drops them, then builds them again with the same names, definitions and validity', async () => {
    await pair.targetSql(SCHEMA);
    const before = await definitions();
    const store = planStore();

    const deferred = await deferIndexes(pair.target, TABLES, store, true);
    const whileCopying = await definitions();
    const built = await buildIndexes(pair.target, connect, store.plan!, SETTINGS, Date.now() + 60_000, 50);

    expect(deferred).toEqual({ dropped: 3, resumed: false });
    expect(whileCopying.map((r) => (r as { name: string }).name)).toEqual(['customers_email_key', 'customers_pkey', 'orders_pkey']);
    expect(built).toMatchObject({ done: true, valid: 3 });
    expect(await definitions()).toEqual(before);
  });

  it('takes no plan once the replication has started, and continues a recorded one', async () => {
    await pair.targetSql(SCHEMA);
    const store = planStore();

    expect(await deferIndexes(pair.target, TABLES, store, false)).toEqual({ dropped: 0, resumed: false });
    await store.save({ indexes: (await secondaryIndexes(pair.target, TABLES)).slice(0, 1) });
    expect(await deferIndexes(pair.target, TABLES, store, false)).toEqual({ dropped: 1, resumed: true });
  });

  it('resumes a build whose backend was killed: the invalid leftover is dropped and built again', async () => {
    await pair.targetSql(SCHEMA);
    const before = await definitions();
    const store = planStore();
    await deferIndexes(pair.target, TABLES, store, true);
    // A CONCURRENTLY build killed midway leaves an invalid index behind. An open transaction holds it in its wait for older snapshots.
    const holder = await connect();
    await holder.query(`begin isolation level repeatable read; select count(*) from public.customers`);
    const builder = await connect();
    builder.on('error', () => undefined);
    const dying = builder.query(`create index concurrently orders_total_idx on public.orders (total desc, id)`).catch((e: Error) => e);
    // Killed once its catalog entry is committed (the build's first transaction), so a leftover exists.
    await waitFor(pair, `select 1 from pg_stat_progress_create_index p join pg_class c on c.relname = 'orders_total_idx'`);
    await pair.targetSql(`select pg_terminate_backend(pid) from pg_stat_progress_create_index`);
    await dying;
    await holder.query('rollback');
    await Promise.all([builder.end().catch(() => undefined), holder.end()]);
    expect((await indexStates(pair.target, store.plan!)).get('public.orders_total_idx')).toBe('invalid');

    const built = await buildIndexes(pair.target, connect, store.plan!, SETTINGS, Date.now() + 60_000, 50);

    expect(built).toMatchObject({ done: true, valid: 3, rebuilt: ['public.orders_total_idx'] });
    expect(await definitions()).toEqual(before);
  });
});

/** What PostgreSQL does with a running CREATE INDEX whose client goes away: it finishes and commits. */
describe('an index build whose client connection drops', () => {
  const pair = useFreshPairEachTest();
  const connect = async () => {
    const client = new pg.Client({ connectionString: pair.targetUrl });
    await client.connect();
    client.on('error', () => undefined);
    return client;
  };
  const validity = async (name: string) =>
    (await pair.targetSql(`select x.indisvalid and x.indisready as valid from pg_index x join pg_class i on i.oid = x.indexrelid where i.relname = $1`, [name])).rows;

  it.each([
    ['create index', 'row exclusive'],
    ['create index concurrently', 'access share'],
  ])('%s goes on to a valid index after its client socket is closed', async (command, mode) => {
    await pair.targetSql(`create table t (id int, v int); insert into t select i, i from generate_series(1, 20000) i;`);
    const holder = await connect();
    await holder.query(`begin isolation level repeatable read; lock table t in ${mode} mode; select count(*) from t`);
    const builder = await connect();
    const build = builder.query(`${command} t_v_idx on t (v)`).catch((e: Error) => e);
    await waitFor(pair, `select 1 from pg_stat_activity where query like '${command} t_v_idx%' and wait_event_type in ('Lock')`);
    (builder as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    await build;
    await holder.query('rollback');
    await holder.end();
    await waitFor(pair, `select 1 where not exists (select 1 from pg_stat_activity where query like '${command} t_v_idx%')`);

    expect(await validity('t_v_idx')).toEqual([{ valid: true }]);
  });
});


/** And what it does when the builder's backend is terminated instead: plain leaves nothing, CONCURRENTLY an invalid index. */
describe('an index build whose backend is terminated', () => {
  const pair = useFreshPairEachTest();

  it.each([
    ['create index', 'no index', 'row exclusive', []],
    ['create index concurrently', 'an invalid index', 'access share', [{ valid: false }]],
  ])('%s leaves %s', async (command, _outcome, mode, left) => {
    await pair.targetSql(`create table t (id int, v int); insert into t select i, i from generate_series(1, 20000) i;`);
    const holder = new pg.Client({ connectionString: pair.targetUrl });
    const builder = new pg.Client({ connectionString: pair.targetUrl });
    await Promise.all([holder.connect(), builder.connect()]);
    builder.on('error', () => undefined);
    await holder.query(`begin isolation level repeatable read; lock table t in ${mode} mode; select count(*) from t`);
    const build = builder.query(`${command} t_v_idx on t (v)`).catch((e: Error) => e);
    await waitFor(pair, `select 1 from pg_stat_activity where query like '${command} t_v_idx%' and wait_event_type = 'Lock'`);
    await pair.targetSql(`select pg_terminate_backend(pid) from pg_stat_activity where query like '${command} t_v_idx%'`);
    await build;
    await holder.query('rollback');
    await Promise.all([holder.end(), builder.end().catch(() => undefined)]);

    const rows = (await pair.targetSql(`select x.indisvalid as valid from pg_index x join pg_class i on i.oid = x.indexrelid where i.relname = 't_v_idx'`)).rows;
    expect(rows).toEqual(left);
  });
});

async function waitFor(pair: { targetSql(sql: string): Promise<{ rows: unknown[] }> }, sql: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if ((await pair.targetSql(sql)).rows.length > 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never true: ${sql}`);
}
