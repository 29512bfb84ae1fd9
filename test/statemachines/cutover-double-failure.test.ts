import { describe, expect, it } from 'vitest';
import { executionEndedStep } from '../../lambdas/execution-ended/step';
import { usePostgresPair } from '../helpers/database-pair';
import { useDynalite } from '../helpers/dynalite';
import { cutoverScene, eventually } from './cutover.fixture';

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

  it('is finished by the rollback that execution-ended starts, for each step that can fail, naming what is frozen and losing no committed write', async () => {
    const scene = await cutoverScene(await servers.freshPair(), dynamo, `dbl-${Date.now() % 100000}`);
    // Each failing step, and the databases whose writes are frozen when it fails (the failure is injected before the step runs).
    const steps: ReadonlyArray<readonly [string, readonly ('source' | 'target')[]]> = [
      ['Verify the changes before the freeze', []],
      ['Freeze writes on the target', []],
      ['Freeze writes on the source', ['target']],
      ['Wait for the last source writes on the target', ['source', 'target']],
      ["Move the target's sequences past the source", ['source', 'target']],
      ['Verify the changes with writes frozen', ['source', 'target']],
      ['Prepare reverse replication', ['source', 'target']],
      ['Switch the clients to the target', ['source', 'target']],
      ['Thaw writes on the target', ['source', 'target']],
      // Past the thaw there is no back-out: the clients write on the target, and only the source is frozen.
      ['Record phase cut-over', ['source']],
    ];
    try {
      for (const [failing, frozen] of steps) {
        const cutover = await scene.m.runOther('cutover', {}, {
          onTask: ({ state }) => {
            if (state === failing || state === 'Back out the cutover') throw Object.assign(new Error(`injected failure in "${state}"`), { name: 'InjectedFailure' });
          },
        });
        expect(cutover, failing).toMatchObject({ status: 'FAILED', error: 'InjectedFailure' });
        expect((await scene.m.runtime.store.getState(scene.m.migrationId))?.phase, failing).toBe('cutting-over');
        const told = scene.m.runtime.notifier.sent.filter((n) => n.event === 'workflow-failed').at(-1)!;
        expect(told.message, failing).toContain('Ferry starts the rollback workflow by itself');
        for (const side of ['source', 'target'] as const) {
          const line = `Writes frozen: the ${side} database (127.0.0.1:${new URL(side === 'source' ? scene.pair.sourceUrl : scene.pair.targetUrl).port}/`;
          if (frozen.includes(side)) expect(told.message, `${failing}: ${side}`).toContain(line);
          else expect(told.message, `${failing}: ${side}`).not.toContain(line);
        }
        if (frozen.length === 0) expect(told.message, failing).toContain('Writes are frozen on neither database.');

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
