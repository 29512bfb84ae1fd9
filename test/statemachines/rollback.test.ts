import { describe, expect, it } from 'vitest';
import { cutoverScene, eventually } from './cutover.fixture';
import { useWorkflowParts } from './workflow.fixture';

/** The real statemachines/rollback.asl.json, after and before a cutover, under continuous writes. */
describe('the rollback workflow', () => {
  const { servers, dynamo, nextId } = useWorkflowParts('rb');

  it('after cutover, brings back to the source every write committed on the target in between', async () => {
    const scene = await cutoverScene(await servers.freshPair(), dynamo, nextId(), { method: 'read-only' });
    try {
      expect(await scene.m.runOther('cutover')).toMatchObject({ status: 'SUCCEEDED' });
      await scene.writer.committedMore(100);
      const onTarget = scene.writer.committed().length;

      const outcome = await scene.m.runOther('rollback', { reason: 'error rate doubled' });
      await scene.writer.committedMore(50);

      expect(outcome).toMatchObject({ status: 'SUCCEEDED', output: { phase: 'rolled-back', reason: 'error rate doubled' } });
      expect((await scene.m.runtime.store.getState(scene.m.migrationId))?.phase).toBe('rolled-back');
      expect(scene.clients.history).toEqual(['target', 'source']);
      await scene.writer.stop();
      expect(onTarget).toBeGreaterThan(100);
      expect(await scene.audit('source')).toEqual({ lost: [], duplicated: [] });
      const [{ n }] = (await scene.pair.sourceSql(`select count(*)::int as n from pg_subscription`)).rows as [{ n: number }];
      expect(n).toBe(0);
      console.info(`rollback write-unavailability window: ${scene.writer.longestGapMs()} ms`);
    } finally {
      await scene.close();
    }
  });

  it('treats a second trigger while one runs, and one after it finished, as harmless and says so', async () => {
    const scene = await cutoverScene(await servers.freshPair(), dynamo, nextId());
    try {
      expect(await scene.m.runOther('cutover')).toMatchObject({ status: 'SUCCEEDED' });
      await scene.writer.committedMore(20);

      const first = scene.m.startOther('rollback', { reason: 'alarm A', alarmName: 'Ferry-test-lag' });
      const second = scene.m.startOther('rollback', { reason: 'alarm B', alarmName: 'Ferry-test-errors' });
      const outcomes = await Promise.all([first.result, second.result]);
      const late = await scene.m.runOther('rollback', { reason: 'operator, a minute later' });

      expect(outcomes.map((o) => o.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      expect(late.status).toBe('SUCCEEDED');
      expect(scene.clients.history).toEqual(['target', 'source']);
      const state = await scene.m.runtime.store.getState(scene.m.migrationId);
      expect(state?.phase).toBe('rolled-back');
      expect(state?.history.filter((h) => h.to === 'rolled-back')).toHaveLength(1);
      const ignored = await scene.m.runtime.store.listReports<{ why: string }>(scene.m.migrationId, 'rollback-ignored');
      expect(ignored.length).toBeGreaterThanOrEqual(2);
      expect(ignored.map((r) => r.report.why).join('\n')).toMatch(/nothing to roll back/);
      expect(scene.m.runtime.notifier.sent.filter((n) => n.event === 'rollback-ignored').length).toBe(ignored.length);
      await scene.writer.stop();
      expect(await scene.audit('source')).toEqual({ lost: [], duplicated: [] });
    } finally {
      await scene.close();
    }
  });

  it('before cutover, ignores an alarm but aborts on an operator request, leaving the source in use', async () => {
    const scene = await cutoverScene(await servers.freshPair(), dynamo, nextId());
    try {
      const alarm = await scene.m.runOther('rollback', { reason: 'lag alarm', alarmName: 'Ferry-test-lag' });
      expect(alarm.status).toBe('SUCCEEDED');
      expect((await scene.m.runtime.store.getState(scene.m.migrationId))?.phase).toBe('ready');
      const [ignored] = await scene.m.runtime.store.listReports<{ alarmName: string; why: string }>(scene.m.migrationId, 'rollback-ignored');
      expect(ignored?.report).toMatchObject({ alarmName: 'Ferry-test-lag', why: expect.stringMatching(/before cutover/) });

      const abort = await scene.m.runOther('rollback', { reason: 'postponed' });
      await scene.writer.committedMore(20);

      expect(abort).toMatchObject({ status: 'SUCCEEDED', output: { phase: 'aborted' } });
      expect(scene.clients.history).toEqual([]);
      expect(await scene.appCanWrite('source')).toBe(true);
      await eventually(async () => ((await scene.pair.targetSql(`select count(*)::int as n from pg_subscription`)).rows[0].n as number) === 0);
    } finally {
      await scene.close();
    }
  });
});
