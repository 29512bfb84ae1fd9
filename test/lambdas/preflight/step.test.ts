import { describe, expect, it } from 'vitest';
import type { CheckReport, PreflightReport } from '../../../lambdas/shared/preflight/run-preflight';
import { preflightStep } from '../../../lambdas/preflight/step';
import type { ReplicationEngine } from '../../../lambdas/shared/replication/engine';
import type { StepRuntime } from '../../../lambdas/shared/runtime';
import { localRuntime } from '../../../local/runtime';
import { type DatabasePair, useFreshPairEachTest } from '../../helpers/database-pair';
import { useDynalite } from '../../helpers/dynalite';
import { ORDERS } from '../../helpers/migrations';
import { ScriptedEngine } from '../../helpers/scripted-engine';

describe('preflight step', () => {
  const pair = useFreshPairEachTest();
  const dynamo = useDynalite();

  /** The local runtime over the ORDERS migration, with its databases replaced by the pair and its engine by `engine`. */
  async function newRuntime(pair: DatabasePair, engine: () => Promise<ReplicationEngine>): Promise<StepRuntime> {
    const local = localRuntime({ store: await dynamo.newStore(), migrations: [ORDERS], secrets: {} });
    return { ...local, openDatabases: async () => ({ source: pair.source, target: pair.target, close: async () => undefined }), engine: () => engine() };
  }

  /** A pair whose target already holds what replication copied (a re-run). */
  async function replicatedPair(): Promise<DatabasePair> {
    await pair.bothSql('create table orders (id bigint primary key, total numeric); insert into orders values (1, 10), (2, 20)');
    return pair;
  }

  const check = (report: PreflightReport | undefined, id: string): CheckReport | undefined => report?.checks.find((c) => c.id === id);

  it("passes a re-run while the migration's replication runs: target rows are info, and its slots count as its own", async () => {
    // Prepare: replication streams (cdc), and the source holds the migration's capture slot from the first run.
    const pair = await replicatedPair();
    const runtime = await newRuntime(pair, async () => new ScriptedEngine({ status: { state: 'cdc', tables: [] } }));
    await pair.sourceSql(`select pg_create_logical_replication_slot('ferry_capture_orders_source', 'test_decoding')`);
    try {
      // Act
      const summary = await preflightStep({ migrationId: 'orders', runId: 'restart-2' }, runtime);

      // Assess
      expect(summary).toMatchObject({ migrationId: 'orders', passed: true, errors: 0 });
      const report = (await runtime.store.latestReport<PreflightReport>('orders', 'preflight'))?.report;
      expect(check(report, 'target-empty')).toMatchObject({ severity: 'info', objects: ['public.orders'] });
      expect(check(report, 'target-empty')?.message).toContain("This migration's replication already exists (its engine reports cdc)");
      expect(check(report, 'replication-slots')?.message).toContain('ferry_capture_orders_source is there already from an earlier run of this migration');
    } finally {
      await pair.sourceSql(`select pg_drop_replication_slot('ferry_capture_orders_source')`);
    }
  });

  it('blocks on target rows as before, and says why, when the engine cannot be opened', async () => {
    // Prepare
    const pair = await replicatedPair();
    const runtime = await newRuntime(pair, async () => {
      throw new Error('no DMS resource is deployed for migration orders');
    });

    // Act
    const error = await preflightStep({ migrationId: 'orders' }, runtime).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'PreflightFailedError', blocking: ['target-empty'] });
    const report = (await runtime.store.latestReport<PreflightReport>('orders', 'preflight'))?.report;
    expect(check(report, 'target-empty')).toMatchObject({ severity: 'error', objects: ['public.orders'] });
    expect(check(report, 'target-empty')?.message).toContain(
      "Ferry could not tell whether this migration's replication already runs (reading its state failed: no DMS resource is deployed for migration orders)",
    );
  });
});
