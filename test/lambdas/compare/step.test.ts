import { beforeAll, describe, expect, it } from 'vitest';
import { compareStep } from '../../../lambdas/compare/step';
import type { MigrationConfigInput } from '../../../lambdas/shared/migration-config';
import { localRuntime, type LocalRuntime } from '../../../local/runtime';
import { usePostgresPair, type DatabasePair } from '../../helpers/database-pair';
import { useDynalite } from '../../helpers/dynalite';
import { credentialsOf, endpointOf, ORDERS, SOURCE_SECRET, TARGET_SECRET } from '../../helpers/migrations';

describe('compare step with one exact table (the migrate workflow\'s Map item)', () => {
  const servers = usePostgresPair();
  const dynamo = useDynalite();
  let pair: DatabasePair;
  let runtime: LocalRuntime;
  const deadline = () => Date.now() + 120_000;

  beforeAll(async () => {
    pair = await servers.freshPair();
    // `my.table*` would need a pattern that also matches `my_table_x` and `my.tableX`.
    await pair.bothSql(`
      create table "my.table*" (id int primary key, v text);
      create table my_table_x (id int primary key, v text);
      create table "my.tableX" (id int primary key, v text);
      create table audit (id int primary key);
      insert into "my.table*" select i, 'v' || i from generate_series(1, 300) i;
      insert into my_table_x select i, 'v' || i from generate_series(1, 50) i;
      insert into "my.tableX" select i, 'v' || i from generate_series(1, 50) i;`);
    await pair.targetSql(`update "my.table*" set v = 'changed' where id in (7, 8, 9); update my_table_x set v = 'x' where id = 1; delete from "my.tableX" where id = 2`);
    const migration: MigrationConfigInput = {
      ...ORDERS,
      source: endpointOf(pair.sourceUrl, SOURCE_SECRET),
      target: endpointOf(pair.targetUrl, TARGET_SECRET),
      tables: { include: ['public.*'], exclude: ['public.audit'] },
    };
    runtime = localRuntime({
      store: await dynamo.newStore(),
      migrations: [migration],
      secrets: { [SOURCE_SECRET]: credentialsOf(pair.sourceUrl), [TARGET_SECRET]: credentialsOf(pair.targetUrl) },
    });
  });

  it('compares exactly the named table, whose name holds a dot and a *, and no other', async () => {
    // Act
    const summary = await compareStep({ migrationId: 'orders', runId: 'run-exact', table: { schema: 'public', name: 'my.table*' }, settleMs: 0 }, runtime, deadline());

    // Assess
    expect(summary).toMatchObject({
      complete: true,
      equal: false,
      rowsCompared: 300,
      differences: 3,
      differentTables: ['public.my.table*'],
      tables: [{ table: 'public.my.table*', status: 'different', changedTotal: 3 }],
    });
    const report = await runtime.store.latestReport<{ selection: unknown }>('orders', 'comparison');
    expect(report?.report.selection).toEqual({ include: ['public.*'], exclude: ['public.audit'], only: [{ schema: 'public', name: 'my.table*' }] });
  });

  it('resumes the same run from its checkpoint instead of comparing the table again', async () => {
    // Prepare
    const event = { migrationId: 'orders', runId: 'run-again', table: { schema: 'public', name: 'my_table_x' } };
    const first = await compareStep(event, runtime, deadline());
    await pair.targetSql(`update my_table_x set v = 'y' where id = 2`);

    // Act
    const again = await compareStep(event, runtime, deadline());

    // Assess
    expect(first).toMatchObject({ complete: true, differences: 1 });
    expect(again.tables).toEqual(first.tables);
  });

  it('refuses a table the migration excludes, naming it and the selection', async () => {
    // Act
    const error = await compareStep({ migrationId: 'orders', runId: 'run-excluded', table: { schema: 'public', name: 'audit' } }, runtime, deadline()).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'TableNotSelectedError', message: expect.stringContaining('"public.audit" is not selected by migration "orders" (tables.include: public.*; tables.exclude: public.audit)') });
  });

  it('fails with TableNotFoundError, rather than calling a vanished table equal, when neither database has it', async () => {
    // Act
    const error = await compareStep({ migrationId: 'orders', runId: 'run-gone', table: { schema: 'public', name: 'dropped' } }, runtime, deadline()).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'TableNotFoundError', message: expect.stringContaining('"restart": true') });
  });

  it('rejects both tables and table, and a table without a name, naming the fields', async () => {
    // Act
    const both = await compareStep({ migrationId: 'orders', runId: 'r', tables: ['public.*'], table: { schema: 'public', name: 'x' } }, runtime, deadline()).catch((e: Error) => e);
    const noName = await compareStep({ migrationId: 'orders', runId: 'r', table: { schema: 'public' } }, runtime, deadline()).catch((e: Error) => e);

    // Assess
    expect(both).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('table: give either tables (patterns) or table (one exact table), not both') });
    expect(noName).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('table.name') });
  });

  it('still compares the whole selection by patterns when no table is given', async () => {
    // Act
    const summary = await compareStep({ migrationId: 'orders', runId: 'run-all' }, runtime, deadline());

    // Assess
    expect(summary.tables.map((t) => t.table).sort()).toEqual(['public.my.table*', 'public.my.tableX', 'public.my_table_x']);
  });
});
