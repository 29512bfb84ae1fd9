import {
  DatabaseMigrationServiceClient,
  DescribeReplicationConfigsCommand,
  DescribeReplicationsCommand,
  DescribeReplicationTasksCommand,
  ModifyReplicationConfigCommand,
  ModifyReplicationTaskCommand,
  StartReplicationCommand,
  StartReplicationTaskCommand,
  type ReplicationTask,
} from '@aws-sdk/client-database-migration-service';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dmsTableMappings } from '../../../../../lib/constructs/dms/table-mappings';
import { Database } from '../../../../../lambdas/shared/pg/connection';
import { planParallelLoad, type ParallelLoadOptions } from '../../../../../lambdas/shared/replication/dms/parallel-load';
import { usePostgres } from '../../../../helpers/postgres';
import { FORWARD_CONFIG_ARN, INSTANCE_RESOURCE, SERVERLESS_RESOURCE, errors, forwardTask, newEngine, sleep } from './dms.fixture';

/**
 * Parallel-load ranges from a real PostgreSQL source, and the first start that writes them into
 * the replication's table mappings. DMS is aws-sdk-client-mock here, not moto: moto 5.2 implements
 * neither ModifyReplicationTask nor any DMS Serverless operation (see dms.moto.test.ts), and a
 * task's `modifying` state is what the start must wait out.
 */
const dms = mockClient(DatabaseMigrationServiceClient);
const DEPLOYED = JSON.stringify(dmsTableMappings('orders', { include: ['public.*'] }));

describe('DMS parallel load of large tables', () => {
  const server = usePostgres();
  let source: Database;
  let options: ParallelLoadOptions;
  beforeAll(async () => {
    source = new Database({ label: 'source database', config: { connectionString: server.url } });
    // About 2.8 MB each (over the 1 MB threshold), but `small`; loaded in key order, as most tables are.
    await source.query(`
      create table public.orders (id bigint primary key, note text not null);
      insert into public.orders select i, repeat('x', 100) from generate_series(1, 20000) i;
      create table public.audit (at timestamptz not null, note text not null);
      insert into public.audit select now(), repeat('x', 100) from generate_series(1, 20000);
      create table public.tags (name text primary key, note text not null);
      insert into public.tags select 'tag' || i, repeat('x', 100) from generate_series(1, 20000) i;
      create table public.small (id int primary key);
      insert into public.small select generate_series(1, 10);`);
    options = { source, tables: { include: ['public.*'] }, parallelTableMb: 1, rangesPerTable: 4 };
  });
  afterAll(() => source?.close());
  beforeEach(() => {
    dms.reset();
    sleep.mockClear();
  });

  it('splits a 20,000-row table into 4 roughly even key ranges, and says why the others stay whole', async () => {
    // GIVEN orders (bigint key), audit (no key), tags (text key) over 1 MB, and small below it
    // WHEN
    const plan = await planParallelLoad(options);
    // THEN orders gets 3 boundaries; each range DMS would read (row-wise `<` on the key) holds about 5,000 rows
    expect(plan.split.map((t) => [t.name, t.columns, t.boundaries.length])).toEqual([['orders', ['id'], 3]]);
    const [b1, b2, b3] = plan.split[0]!.boundaries.map((b) => b[0]!);
    const [counts] = await source.query<Record<string, number>>(
      `select count(*) filter (where id < $1)::int as r1, count(*) filter (where id >= $1 and id < $2)::int as r2,
              count(*) filter (where id >= $2 and id < $3)::int as r3, count(*) filter (where id >= $3)::int as r4
         from public.orders`,
      [b1, b2, b3],
    );
    for (const rows of Object.values(counts!)) {
      expect(rows).toBeGreaterThan(4000);
      expect(rows).toBeLessThan(6000);
    }
    expect(plan.whole.map((t) => [t.name, t.reason])).toEqual([
      ['audit', expect.stringMatching(/no primary key/)],
      ['tags', expect.stringMatching(/key column name \(text\): DMS reads text as a LOB/)],
    ]);
  });

  it('instance task, first start: modifies the table mappings, waits out `modifying`, then starts', async () => {
    // GIVEN a task that never ran, with the deployed mappings; DMS is `modifying` for one look after the change
    let task: ReplicationTask = forwardTask({ Status: 'ready', TableMappings: DEPLOYED }, 'never-run');
    let looksWhileModifying = 1;
    dms.on(DescribeReplicationTasksCommand).callsFake(() => {
      if (task.Status === 'modifying' && looksWhileModifying-- === 0) task = { ...task, Status: 'ready' };
      return { ReplicationTasks: [task] };
    });
    dms.on(ModifyReplicationTaskCommand).callsFake((input) => {
      task = { ...task, Status: 'modifying', TableMappings: input.TableMappings };
      return { ReplicationTask: task };
    });
    dms.on(StartReplicationTaskCommand).resolves({ ReplicationTask: { ...task, Status: 'starting' } });
    const logged: unknown[] = [];
    // WHEN
    const outcome = await newEngine(INSTANCE_RESOURCE, { parallelLoad: options, log: (_, details) => logged.push(details) }).start();
    // THEN the modify call carries the ranges rule and comes before the start call
    const calls = dms.calls().map((c) => c.args[0].constructor.name);
    expect(calls.filter((name) => name !== 'DescribeReplicationTasksCommand')).toEqual(['ModifyReplicationTaskCommand', 'StartReplicationTaskCommand']);
    expect(calls.lastIndexOf('DescribeReplicationTasksCommand')).toBeLessThan(calls.indexOf('StartReplicationTaskCommand'));
    const sent = JSON.parse(dms.commandCalls(ModifyReplicationTaskCommand)[0]!.args[0].input.TableMappings!);
    expect(sent.rules.slice(0, 2)).toEqual(JSON.parse(DEPLOYED).rules);
    expect(sent.rules.slice(2)).toEqual([
      {
        'rule-type': 'table-settings',
        'rule-id': '3',
        'rule-name': 'ferryparallel3',
        'object-locator': { 'schema-name': 'public', 'table-name': 'orders' },
        'parallel-load': { type: 'ranges', columns: ['id'], boundaries: [[expect.stringMatching(/^\d+$/)], [expect.any(String)], [expect.any(String)]] },
      },
    ]);
    expect(dms.commandCalls(StartReplicationTaskCommand)[0]!.args[0].input.StartReplicationTaskType).toBe('start-replication');
    expect(sleep).toHaveBeenCalled();
    expect(outcome).toEqual({ action: 'started', message: expect.stringContaining('Parallel load: public.orders in 4 ranges on (id); loaded whole: public.audit') });
    expect(logged).toEqual([expect.objectContaining({ table: 'public.audit' }), expect.objectContaining({ table: 'public.tags' })]);
  });

  it('instance task, resumed after its full load: the table mappings are left alone', async () => {
    // GIVEN a task stopped after it ran
    dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [forwardTask({ Status: 'stopped', TableMappings: DEPLOYED })] });
    dms.on(StartReplicationTaskCommand).resolves({});
    // WHEN
    const outcome = await newEngine(INSTANCE_RESOURCE, { parallelLoad: options, log: () => undefined }).start();
    // THEN
    expect(outcome.action).toBe('resumed');
    expect(dms.commandCalls(ModifyReplicationTaskCommand)).toHaveLength(0);
  });

  it('DMS Serverless, first start: ModifyReplicationConfig carries the ranges before StartReplication', async () => {
    // GIVEN a replication config that never ran (DMS has no replication for it yet)
    let mappings = DEPLOYED;
    dms.on(DescribeReplicationsCommand).rejects(errors.replicationNotFound());
    dms.on(DescribeReplicationConfigsCommand).callsFake(() => ({
      ReplicationConfigs: [{ ReplicationConfigArn: FORWARD_CONFIG_ARN, ReplicationConfigIdentifier: 'ferry-orders-forward', ReplicationType: 'full-load-and-cdc', TableMappings: mappings }],
    }));
    dms.on(ModifyReplicationConfigCommand).callsFake((input) => {
      mappings = input.TableMappings!;
      return {};
    });
    dms.on(StartReplicationCommand).resolves({});
    // WHEN
    await newEngine(SERVERLESS_RESOURCE, { parallelLoad: options, log: () => undefined }).start();
    // THEN
    const calls = dms.calls().map((c) => c.args[0].constructor.name);
    expect(calls.indexOf('ModifyReplicationConfigCommand')).toBeGreaterThan(-1);
    expect(calls.indexOf('ModifyReplicationConfigCommand')).toBeLessThan(calls.indexOf('StartReplicationCommand'));
    const rules = JSON.parse(dms.commandCalls(ModifyReplicationConfigCommand)[0]!.args[0].input.TableMappings!).rules;
    expect(rules.at(-1)).toMatchObject({ 'rule-type': 'table-settings', 'object-locator': { 'table-name': 'orders' }, 'parallel-load': { type: 'ranges', columns: ['id'] } });
  });
});
