import { describe, expect, it } from 'vitest';
import { executionEndedStep } from '../../lambdas/execution-ended/step';
import { usePostgresPair } from '../helpers/database-pair';
import { useDynalite } from '../helpers/dynalite';
import { cutoverScene, eventually } from './cutover-fixture';

/** What EventBridge sends execution-ended when an execution fails (the rule in lib/constructs/workflows.ts). */
const failedEvent = (executionArn: string, migrationId: string) => ({
  'detail-type': 'Step Functions Execution Status Change',
  detail: { executionArn, stateMachineArn: executionArn.replace(':execution:', ':stateMachine:').replace(/:[^:]+$/, ''), status: 'FAILED', input: JSON.stringify({ migrationId }) },
});

/**
 * Two failures in a row: a cutover step fails, and the back-out that should undo it fails too.
 * The execution ends FAILED with the migration "cutting-over", perhaps with writes frozen; the
 * EventBridge rule hands it to execution-ended, which starts the rollback workflow once, and that
 * backs the cutover out. Afterwards the source takes writes, the clients are on it, nothing is lost.
 */
describe('a cutover whose back-out fails too', () => {
  const servers = usePostgresPair();
  const dynamo = useDynalite();

  it('is finished by the rollback that execution-ended starts, for each step that can fail, losing no committed write', async () => {
    const scene = await cutoverScene(await servers.freshPair(), dynamo, `dbl-${Date.now() % 100000}`);
    const steps = [
      'Verify the changes before the freeze',
      'Freeze writes on the target',
      'Freeze writes on the source',
      'Wait for the last source writes on the target',
      "Move the target's sequences past the source",
      'Verify the changes with writes frozen',
      'Prepare reverse replication',
      'Switch the clients to the target',
      'Thaw writes on the target',
    ];
    try {
      for (const failing of steps) {
        const cutover = await scene.m.runOther('cutover', {}, {
          onTask: ({ state }) => {
            if (state === failing || state === 'Back out the cutover') throw Object.assign(new Error(`injected failure in "${state}"`), { name: 'InjectedFailure' });
          },
        });
        expect(cutover, failing).toMatchObject({ status: 'FAILED', error: 'InjectedFailure' });
        expect((await scene.m.runtime.store.getState(scene.m.migrationId))?.phase, failing).toBe('cutting-over');
        const told = scene.m.runtime.notifier.sent.filter((n) => n.event === 'workflow-failed').at(-1)!;
        expect(told.message, failing).toContain('Ferry starts the rollback workflow by itself');

        const ended = await executionEndedStep(failedEvent(cutover.executionId, scene.m.migrationId), scene.m.runtime);
        expect(ended, failing).toMatchObject({ action: 'rollback-started' });
        const started = scene.m.runtime.startedRollbacks.at(-1)!;
        const rollback = await scene.m.runOther('rollback', { reason: started.input.reason }, { executionName: started.name });

        expect(rollback, failing).toMatchObject({ status: 'SUCCEEDED' });
        expect((await scene.m.runtime.store.getState(scene.m.migrationId))?.phase, failing).toBe('ready');
        expect(await scene.appCanWrite('source'), failing).toBe(true);
        expect(scene.clients.endpoint().port, failing).toBe(Number(new URL(scene.pair.sourceUrl).port));
        await scene.writer.committedMore(20);
      }
      await scene.writer.stop();
      await eventually(async () => (await scene.audit('target')).lost.length === 0);
      expect(await scene.audit('source')).toEqual({ lost: [], duplicated: [] });
      expect(await scene.audit('target')).toEqual({ lost: [], duplicated: [] });
    } finally {
      await scene.close();
    }
  });
});
