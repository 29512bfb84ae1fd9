import { describe, expect, it } from 'vitest';
import { cutoverScene } from './cutover.fixture';
import { useWorkflowParts } from './workflow.fixture';

/** Every table above 1 MB is copied in page ranges, by two copy workers under one snapshot. */
const PARALLEL = { parallelTableMb: 1, rangesPerTable: 4, copyWorkers: 2 };

/**
 * The migrate, cutover and rollback workflows after the native engine's parallel copy (a copy
 * job under one exported snapshot, then the subscription at its slot), under continuous writes,
 * with the large table updated while it is being copied.
 */
describe('a migration whose large table is copied in parallel ranges', () => {
  const { servers, dynamo, nextId } = useWorkflowParts('par');

  it('reaches ready with the tables compared equal, cuts over and rolls back without losing a write, and finishes leaving nothing', async () => {
    const copied: string[] = [];
    let updates = 0;
    const pair = await servers.freshPair();
    const scene = await cutoverScene(pair, dynamo, nextId(), {}, {
      fullLoad: PARALLEL,
      ledgerRows: 40_000,
      duringMigrate: async ({ state }) => {
        if (state !== 'Check the full load') return;
        const [job] = (await pair.targetSql(`select to_regclass('ferry.copy_job') is not null as running`)).rows as [{ running: boolean }];
        if (job.running) copied.push(state);
        // Changes to the large table while it is copied: the subscription brings those after the snapshot.
        await pair.sourceSql(`update ledger set amount = amount + 1, note = note || '{"updated": true}' where id % 97 = ${updates % 97}`);
        await pair.sourceSql(`delete from ledger where id = ${1000 + updates}`);
        updates += 1;
      },
    });
    try {
      const state = await scene.m.runtime.store.getState(scene.m.migrationId);
      expect(state?.phase).toBe('ready');
      expect(copied.length).toBeGreaterThan(0);
      expect(updates).toBeGreaterThan(0);
      // The job is gone once its subscription took over, and nothing of it is left on the target.
      expect((await pair.targetSql(`select to_regclass('ferry.copy_job') as job, (select count(*)::int from pg_subscription) as subscriptions`)).rows).toEqual([{ job: null, subscriptions: 1 }]);
      const summary = await scene.m.runtime.store.latestReport<{ equal: boolean }>(scene.m.migrationId, 'comparison-summary');
      expect(summary?.report.equal).toBe(true);

      expect(await scene.m.runOther('cutover')).toMatchObject({ status: 'SUCCEEDED' });
      await scene.writer.committedMore(30);
      expect(await scene.audit('target')).toEqual({ lost: [], duplicated: [] });
      expect(await scene.m.runOther('rollback', { reason: 'error rate doubled' })).toMatchObject({ status: 'SUCCEEDED', output: { phase: 'rolled-back' } });
      await scene.writer.committedMore(30);
      await scene.writer.stop();
      expect(await scene.audit('source')).toEqual({ lost: [], duplicated: [] });

      // And the finish leaves nothing of the copy or the replication on either server.
      expect(await scene.m.runOther('finish')).toMatchObject({ status: 'SUCCEEDED', output: { phase: 'completed' } });
      const left = `select (select count(*)::int from pg_replication_slots where database = current_database()) as slots,
                           (select count(*)::int from pg_subscription where subdbid = (select oid from pg_database where datname = current_database())) as subscriptions,
                           (select count(*)::int from pg_namespace where nspname = 'ferry') as "ferrySchema"`;
      const nothing = [{ slots: 0, subscriptions: 0, ferrySchema: 0 }];
      expect([(await pair.sourceSql(left)).rows, (await pair.targetSql(left)).rows]).toEqual([nothing, nothing]);
    } finally {
      await scene.close();
    }
  });
});
