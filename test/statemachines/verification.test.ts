import { describe, expect, it } from 'vitest';
import { guardrailsStep } from '../../lambdas/guardrails/step';
import { cutoverScene, type CutoverScene } from './cutover.fixture';
import { useWorkflowParts } from './workflow.fixture';

/**
 * What continuous verification proves at the moments that matter, through the real workflows
 * under continuous writes: a row that differs stops the cutover before the clients move, and a
 * rollback moves them back only once the rows they changed are proven on the source.
 */
describe('verification in the cutover and rollback workflows', () => {
  const { servers, dynamo, nextId } = useWorkflowParts('vf');

  async function expectBackedOut(scene: CutoverScene, outcome: { status: string; error?: string; cause?: string }, message: RegExp) {
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'VerificationFailedError' });
    expect(outcome.cause).toMatch(message);
    expect((await scene.m.runtime.store.getState(scene.m.migrationId))?.phase).toBe('ready');
    expect(scene.clients.history.at(-1) ?? 'source').toBe('source');
    expect(await scene.appCanWrite('source')).toBe(true);
    await scene.writer.committedMore(20);
    await scene.writer.stop();
    expect(await scene.audit('source')).toEqual({ lost: [], duplicated: [] });
  }

  it('stops the cutover before the clients move when a row was changed on the target only after ready', async () => {
    const scene = await cutoverScene(await servers.freshPair(), dynamo, nextId());
    try {
      await scene.pair.targetSql('update accounts set balance = -999 where id = 7');

      const outcome = await scene.m.runOther('cutover');

      await expectBackedOut(scene, outcome, /public\.accounts key \(7\): columns balance differ/);
      expect(scene.clients.history).toEqual([]);
      // The difference stays until it is resolved: the next cutover is refused by its guardrail.
      const again = await guardrailsStep({ migrationId: scene.m.migrationId, runId: 'next' }, scene.m.runtime).catch((e: Error) => e);
      expect(String(again)).toMatch(/verification-current: 1 row\(s\) differ after replication caught up: public\.accounts \(7\)/);
    } finally {
      await scene.close();
    }
  });

  it('catches a change made on the target while the frozen source drains, and backs out', async () => {
    const scene = await cutoverScene(await servers.freshPair(), dynamo, nextId());
    try {
      const outcome = await scene.m.runOther('cutover', {}, {
        onTask: async ({ state }) => {
          if (state === 'Wait for the last source writes on the target') await scene.pair.targetSql(`update ledger set note = '{"planted": true}' where id = 42`);
        },
      });

      await expectBackedOut(scene, outcome, /With writes frozen and every write drained, 1 row\(s\) .* differ[\s\S]*public\.ledger key \(42\): columns note differ/);
    } finally {
      await scene.close();
    }
  });

  it('catches a table truncated on the target, by comparing it whole', async () => {
    const scene = await cutoverScene(await servers.freshPair(), dynamo, nextId());
    try {
      await scene.pair.targetSql('truncate ledger');

      const outcome = await scene.m.runOther('cutover');

      await expectBackedOut(scene, outcome, /public\.ledger key \(\d+\): missing on the target/);
      const record = await scene.m.runtime.store.getVerification(scene.m.migrationId);
      expect(record?.tablesToCompare).toEqual([expect.objectContaining({ table: 'public.ledger', reason: 'compared whole: 2000 missing, 0 extra, 0 changed on the target' })]);
    } finally {
      await scene.close();
    }
  });

  it('rolls back only after the rows changed on the target are proven on the source, and refuses when one is not', async () => {
    const scene = await cutoverScene(await servers.freshPair(), dynamo, nextId());
    try {
      expect(await scene.m.runOther('cutover')).toMatchObject({ status: 'SUCCEEDED' });
      await scene.writer.committedMore(50);
      // Written on the old source directly, behind the clients' back: after a switch back it would be what they read.
      await scene.pair.sourceSql(`update accounts set name = 'changed on the old source' where id = 3`);

      const refused = await scene.m.runOther('rollback', { reason: 'error rate doubled' });

      expect(refused).toMatchObject({ status: 'FAILED', error: 'VerificationFailedError', cause: expect.stringMatching(/public\.accounts key \(3\): columns name differ/) });
      expect(scene.clients.history).toEqual(['target']);
      expect(await scene.appCanWrite('target')).toBe(true);

      // Repaired on the source: the rollback proves the drain-back and moves the clients.
      await scene.pair.sourceSql(`update accounts set name = 'account 3' where id = 3`);
      await scene.writer.committedMore(20);
      const rolledBack = await scene.m.runOther('rollback', { reason: 'error rate doubled' });

      expect(rolledBack).toMatchObject({ status: 'SUCCEEDED', output: { phase: 'rolled-back' } });
      expect(scene.clients.history).toEqual(['target', 'source']);
      const record = await scene.m.runtime.store.getVerification(scene.m.migrationId);
      expect(record).toMatchObject({ status: 'dropped', lastRound: { mode: 'frozen', direction: 'reverse', differences: 0 } });
      expect(record!.lastRound!.keysVerified).toBeGreaterThanOrEqual(20);
      await scene.writer.stop();
      expect(await scene.audit('source')).toEqual({ lost: [], duplicated: [] });
      const slots = await scene.pair.sourceSql(`select count(*)::int as n from pg_replication_slots where database = current_database() and plugin = 'test_decoding'`);
      expect(slots.rows[0].n).toBe(0);
    } finally {
      await scene.close();
    }
  });
});
