import { beforeAll, describe, expect, it } from 'vitest';
import { listTablesStep } from '../../../lambdas/list-tables/step';
import type { MigrationConfigInput } from '../../../lambdas/shared/migration-config';
import { localRuntime } from '../../../local/runtime';
import { usePostgresPair, type DatabasePair } from '../../helpers/database-pair';
import { useDynalite } from '../../helpers/dynalite';
import { credentialsOf, endpointOf, ORDERS, SOURCE_SECRET, TARGET_SECRET } from '../../helpers/migrations';

describe('list-tables step', () => {
  const servers = usePostgresPair();
  const dynamo = useDynalite();
  let pair: DatabasePair;

  const runtimeFor = async (tables: MigrationConfigInput['tables']) => {
    const migration: MigrationConfigInput = {
      ...ORDERS,
      source: endpointOf(pair.sourceUrl, SOURCE_SECRET),
      target: endpointOf(pair.targetUrl, TARGET_SECRET),
      tables,
    };
    return localRuntime({
      store: await dynamo.newStore(),
      migrations: [migration],
      secrets: { [SOURCE_SECRET]: credentialsOf(pair.sourceUrl), [TARGET_SECRET]: credentialsOf(pair.targetUrl) },
    });
  };

  beforeAll(async () => {
    pair = await servers.freshPair();
    // Only the source is read: the target has none of these tables yet.
    await pair.sourceSql(`
      create table small (id int primary key);
      create table big (id int primary key, pad text);
      create table "my.table*" (id int primary key, pad text);
      create table audit (id int primary key);
      create table events (id int, at date not null, primary key (id, at)) partition by range (at);
      create table events_2026 partition of events for values from ('2026-01-01') to ('2027-01-01');
      create schema other;
      create table other.elsewhere (id int primary key);
      insert into small select generate_series(1, 10);
      insert into big select i, repeat('x', 200) from generate_series(1, 20000) i;
      insert into "my.table*" select i, repeat('x', 200) from generate_series(1, 3000) i;
      insert into events select i, date '2026-03-01' from generate_series(1, 500) i;
      analyze;`);
  });

  it('lists the selected source tables, largest first, by exact name, partitions through their parent', async () => {
    // Prepare
    const runtime = await runtimeFor({ include: ['public.*'], exclude: ['public.audit'] });

    // Act
    const output = await listTablesStep({ migrationId: 'orders' }, runtime);

    // Assess
    expect(output).toEqual({
      migrationId: 'orders',
      tables: [
        { schema: 'public', name: 'big' },
        { schema: 'public', name: 'my.table*' },
        { schema: 'public', name: 'events' },
        { schema: 'public', name: 'small' },
      ],
      count: 4,
    });
  });

  it('fails with NoTablesSelectedError naming the selection when it matches nothing', async () => {
    // Prepare
    const runtime = await runtimeFor({ include: ['sales.*'] });

    // Act
    const error = await listTablesStep({ migrationId: 'orders' }, runtime).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({
      name: 'NoTablesSelectedError',
      message: expect.stringContaining('(tables.include: sales.*; tables.exclude: none)'),
    });
    expect((error as Error).message).toContain('Check tables.include and tables.exclude');
  });

  it('fails with TooManyTablesError when the tables would not fit in the workflow state', async () => {
    // Prepare
    await pair.sourceSql(`create schema wide; do $$ begin
      for i in 1..800 loop execute format('create table wide.%I (id int)', 'table_with_a_long_name_that_fills_the_workflow_state_' || lpad(i::text, 6, '0')); end loop; end $$`);
    const runtime = await runtimeFor({ include: ['wide.*'] });

    // Act
    const error = await listTablesStep({ migrationId: 'orders' }, runtime).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'TooManyTablesError', count: 800, message: expect.stringContaining('selects 800 tables') });
  });

  it('rejects an unknown field and an unknown migration', async () => {
    // Prepare
    const runtime = await runtimeFor({ include: ['public.*'] });

    // Act
    const badField = await listTablesStep({ migrationId: 'orders', tables: ['public.*'] }, runtime).catch((e: Error) => e);
    const unknown = await listTablesStep({ migrationId: 'invoices' }, runtime).catch((e: Error) => e);

    // Assess
    expect(badField).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('unknown field(s) tables') });
    expect(unknown).toMatchObject({ name: 'MigrationNotConfiguredError' });
  });
});
