import { describe, expect, it } from 'vitest';
import { replicationMonitorStep } from '../../../../lambdas/replication-monitor/step';
import { stopReplicationStep } from '../../../../lambdas/stop-replication/step';
import { slotInfo } from '../../../../lambdas/shared/capture/slot';
import { verificationCurrent } from '../../../../lambdas/guardrails/checks';
import { captureScene, startCapture, type CaptureScene } from '../../../helpers/capture-scene';
import { useFreshPairEachTest } from '../../../helpers/database-pair';
import { useDynalite } from '../../../helpers/dynalite';

/** The life of a capture: started before the comparison, kept across a resumed run, never allowed to endanger a database. */
describe('change capture', () => {
  const pair = useFreshPairEachTest();
  const dynamo = useDynalite();
  let n = 0;

  async function scene(config: Parameters<typeof captureScene>[3] = {}): Promise<CaptureScene> {
    await pair.bothSql('create table items (id bigint primary key, note text)');
    await pair.sourceSql(`insert into items select i, 'item ' || i from generate_series(1, 500) i`);
    const s = await captureScene(pair, dynamo, `capture-${++n}`, config);
    await s.caughtUp('items');
    return s;
  }
  const slotsOn = async (s: CaptureScene) => ({
    source: (await s.pair.sourceSql(`select slot_name from pg_replication_slots where database = current_database() and plugin = 'test_decoding'`)).rows.map((r) => r.slot_name),
    target: (await s.pair.targetSql(`select slot_name from pg_replication_slots where database = current_database() and plugin = 'test_decoding'`)).rows.map((r) => r.slot_name),
  });

  it('creates a slot on each database, keeps it when the same run resumes, and starts afresh for a new run', async () => {
    const s = await scene();
    try {
      const first = await startCapture(s, 'run-1');
      const resumed = await startCapture(s, 'run-1');
      const restarted = await startCapture(s, 'run-2');

      expect(first).toMatchObject({ reused: false, compareRunId: `run-1:${first.captureId}` });
      expect(resumed).toMatchObject({ reused: true, captureId: first.captureId, compareRunId: first.compareRunId });
      expect(restarted.reused).toBe(false);
      expect(restarted.captureId).not.toBe(first.captureId);
      expect(await slotsOn(s)).toEqual({ source: [first.slots.source.name], target: [first.slots.target.name] });
      expect((await slotInfo(s.pair.source, restarted.slots.source.name))?.confirmedLsn).toBe(restarted.slots.source.startLsn);
    } finally {
      await s.cleanUp();
    }
  });

  it('drops a slot that holds more WAL than allowed, says what happened and what to run, and refuses a cutover until then', async () => {
    const s = await scene({ verification: { maxSlotWalMb: 1 } });
    try {
      await startCapture(s);
      await s.runtime.store.transition(s.migrationId, { to: 'replicating', expectedVersion: (await s.runtime.store.getState(s.migrationId))!.version, reason: 'test' });
      await s.pair.sourceSql(`insert into items select i, repeat('x', 200) from generate_series(1000, 12000) i`);

      await replicationMonitorStep({ migrationIds: [s.migrationId] }, s.runtime);

      expect(await slotsOn(s)).toEqual({ source: [], target: [] });
      const record = await s.runtime.store.getVerification(s.migrationId);
      expect(record).toMatchObject({ status: 'lost', lost: { reason: expect.stringMatching(/^"ferry_capture_capture_\d+_source" on the source database \(.+\) held \d+ MB of WAL.* over verification.maxSlotWalMb = 1 MB/) } });
      const wal = s.runtime.metrics.recorded.filter((m) => m.name === 'SourceCaptureSlotWalBytes');
      expect(wal[0]!.value).toBeGreaterThan(1024 * 1024);
      const note = s.runtime.notifier.sent.find((x) => x.event === 'capture-lost');
      expect(note?.message).toContain(`start the migrate workflow with {"migrationId": "${s.migrationId}", "restart": true}`);
      expect(verificationCurrent({ verification: record, migration: s.runtime.migration(s.migrationId), now: Date.now() }).message).toMatch(/^change capture is lost/);
    } finally {
      await s.cleanUp();
    }
  });

  it('is dropped on both databases with the replication when the migration ends', async () => {
    const s = await scene();
    try {
      await startCapture(s);

      const stopped = await stopReplicationStep({ migrationId: s.migrationId }, s.runtime);
      const again = await stopReplicationStep({ migrationId: s.migrationId }, s.runtime);

      expect(stopped.capture).toMatch(/^dropped change-capture slot\(s\) ferry_capture_capture_\d+_source on the source database \(.+\), ferry_capture_capture_\d+_target on the target database \(.+\)$/);
      expect(again.capture).toBe('no change-capture slot left');
      expect(await slotsOn(s)).toEqual({ source: [], target: [] });
      expect((await s.runtime.store.getVerification(s.migrationId))?.status).toBe('dropped');
    } finally {
      await s.cleanUp();
    }
  });
});
