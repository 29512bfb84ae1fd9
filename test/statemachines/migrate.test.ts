import { describe, expect, it, vi } from 'vitest';
import type { DatabasePair } from '../helpers/database-pair';
import { migrateHarness } from './migrate.fixture';
import { useWorkflowParts } from './workflow.fixture';

/**
 * The real statemachines/migrate.asl.json, run by aws-local-stepfunctions with every step
 * in-process: two embedded PostgreSQL servers, native replication, the checkpoint table on
 * dynalite. Only Wait states are shortened.
 */
const SCHEMA = `
  create table customers (id bigint generated always as identity primary key, name text not null);
  create table orders (id bigint primary key, customer_id bigint references customers, total numeric(12,2), placed_at timestamptz);
  create table order_items (order_id bigint, line int, sku text, primary key (order_id, line));
  create index orders_placed_at_idx on orders (placed_at desc);
  create index order_items_sku_idx on order_items (sku) where sku is not null;`;

/** The target's secondary indexes as `name: definition (valid)`, to compare before, during and after. */
async function secondaryIndexes(pair: DatabasePair): Promise<string[]> {
  const { rows } = await pair.targetSql(`
    select i.relname || ': ' || pg_get_indexdef(x.indexrelid) || case when x.indisvalid then '' else ' (invalid)' end as line
      from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
     where t.relname in ('customers', 'orders', 'order_items') and not x.indisprimary order by 1`);
  return rows.map((r) => (r as { line: string }).line);
}

async function seeded(pair: DatabasePair): Promise<DatabasePair> {
  await pair.bothSql(SCHEMA);
  await pair.sourceSql(`
    insert into customers (name) select 'customer ' || i from generate_series(1, 200) i;
    insert into orders select i, 1 + i % 200, i * 1.25, timestamptz '2026-01-01' + i * interval '1 minute' from generate_series(1, 1000) i;
    insert into order_items select 1 + i / 2, i % 2, 'sku-' || i from generate_series(0, 1999) i;`);
  return pair;
}

describe('the migrate workflow', () => {
  const { servers, dynamo, nextId } = useWorkflowParts('mig');

  it('reaches phase ready with every table compared equal, releases the lock and tells the operator what is next', async () => {
    const pair = await seeded(await servers.freshPair());
    const m = await migrateHarness(pair, dynamo, nextId());
    const before = await secondaryIndexes(pair);
    let whileCopying: string[] = [];
    try {
      const outcome = await m.run({}, {
        onTask: async ({ state }) => {
          if (state === 'Start replication') whileCopying = await secondaryIndexes(pair);
        },
      });

      expect(outcome).toMatchObject({ status: 'SUCCEEDED', output: { migrationId: m.migrationId, phase: 'ready', tablesCompared: 3, rowsCompared: 3200 } });
      // The copy ran without the secondary indexes, which were built again exactly before the comparison.
      expect(before).toHaveLength(2);
      expect(whileCopying).toEqual([]);
      expect(await secondaryIndexes(pair)).toEqual(before);
      expect((await m.runtime.store.getState(m.migrationId))?.phase).toBe('ready');
      expect((await m.runtime.store.getLock(m.migrationId))?.released).toBe(true);
      const summary = await m.runtime.store.latestReport<{ equal: boolean }>(m.migrationId, 'comparison-summary');
      expect(summary?.report.equal).toBe(true);
      expect(m.runtime.notifier.sent.map((n) => n.event)).toEqual(['phase-changed', 'phase-changed']);
      expect(m.runtime.notifier.sent[1]?.message).toMatch(/cutover/);
      expect((await pair.targetSql(`select count(*)::int as n from order_items`)).rows[0].n).toBe(2000);
    } finally {
      await m.cleanUp();
    }
  });

  it('stops before replication starts when preflight finds an error, and says which check', async () => {
    const pair = await seeded(await servers.freshPair());
    await pair.bothSql(`create table audit_log (at timestamptz, what text)`);
    const m = await migrateHarness(pair, dynamo, nextId());

    const outcome = await m.run();

    expect(outcome).toMatchObject({ status: 'FAILED', error: 'PreflightFailedError' });
    expect(outcome.status === 'FAILED' && outcome.cause).toMatch(/replica-identity/);
    expect((await pair.targetSql(`select count(*)::int as n from pg_subscription`)).rows[0].n).toBe(0);
    expect(await secondaryIndexes(pair)).toHaveLength(2);
    expect((await m.runtime.store.getLock(m.migrationId))?.released).toBe(true);
    expect(m.runtime.notifier.sent.map((n) => n.event)).toContain('workflow-failed');
    expect(await m.runtime.store.latestReport(m.migrationId, 'failure')).toBeDefined();
  });

  it('fails naming the table when a difference persists after replication has caught up', async () => {
    const pair = await seeded(await servers.freshPair());
    const m = await migrateHarness(pair, dynamo, nextId());
    try {
      // A row only the target has: replication never removes it, so the comparison must find it.
      const outcome = await m.run({}, {
        onTask: async ({ state }) => {
          if (state === 'List the tables to compare') await pair.targetSql(`insert into orders values (999999, 1, 1, now()) on conflict do nothing`);
        },
      });

      expect(outcome).toMatchObject({ status: 'FAILED', error: 'ComparisonFailedError' });
      expect(outcome.status === 'FAILED' && outcome.cause).toMatch(/public\.orders/);
      expect((await m.runtime.store.getState(m.migrationId))?.phase).toBe('replicating');
      expect((await m.runtime.store.getLock(m.migrationId))?.released).toBe(true);
    } finally {
      await m.cleanUp();
    }
  });

  it('resumes after a crash midway without redoing the steps that had finished', async () => {
    const pair = await seeded(await servers.freshPair());
    const m = await migrateHarness(pair, dynamo, nextId());
    try {
      // The execution dies while it waits for the lag (a stopped execution runs no Catch).
      const first = m.start({}, {
        onTask: async ({ state }) => {
          if (state === 'Check the replication lag') first.abort();
        },
      });
      await expect(first.result).rejects.toThrow();
      // EventBridge reports the stopped execution; execution-ended releases its lock.
      const { LOCAL_STEPS } = await import('../../local/steps');
      await LOCAL_STEPS.ExecutionEndedFunctionArn!(
        { detail: { executionArn: first.executionId, status: 'ABORTED', input: JSON.stringify({ migrationId: m.migrationId }) } },
        m.runtime,
      );
      const preflightReports = (await m.runtime.store.listReports(m.migrationId, 'preflight', 10)).length;
      const segmentWrites = vi.spyOn(m.runtime.store, 'putSegment');

      const second = await m.run();

      expect(second).toMatchObject({ status: 'SUCCEEDED', output: { phase: 'ready', tablesCompared: 3 } });
      expect(await m.runtime.store.listReports(m.migrationId, 'preflight', 10)).toHaveLength(preflightReports);
      expect(segmentWrites).not.toHaveBeenCalled();
      expect(m.runtime.notifier.sent.filter((n) => n.subject.includes('replicating'))).toHaveLength(1);
    } finally {
      await m.cleanUp();
    }
  });

  it('rejects a second execution while one runs, without disturbing the first', async () => {
    const pair = await seeded(await servers.freshPair());
    const m = await migrateHarness(pair, dynamo, nextId());
    try {
      let second: Awaited<ReturnType<typeof m.run>> | undefined;
      const first = await m.run({}, {
        onTask: async ({ state }) => {
          if (state === 'Check the full load' && second === undefined) second = await m.run();
        },
      });

      expect(second).toMatchObject({ status: 'FAILED', error: 'LockHeldError' });
      expect(first).toMatchObject({ status: 'SUCCEEDED', output: { phase: 'ready' } });
    } finally {
      await m.cleanUp();
    }
  });
});
