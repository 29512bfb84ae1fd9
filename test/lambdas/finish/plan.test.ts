import { describe, expect, it } from 'vitest';
import type { Phase } from '../../../lambdas/shared/checkpoints';
import { stateAfter as stateOf } from '../../helpers/migration-state';
import { FinishPhaseError, FinishTooEarlyError } from '../../../lambdas/finish/errors';
import { decideFinish, type FinishRequest } from '../../../lambdas/finish/plan';
import { decideRollback } from '../../../lambdas/rollback-plan/plan';

const CUT_OVER_AT = Date.UTC(2030, 0, 1, 12, 0, 0);
const MINUTE = 60_000;
const WINDOW = 60;
const BY_HAND: FinishRequest = { migrationId: 'orders', force: false, scheduled: false };
const FORCED: FinishRequest = { ...BY_HAND, force: true };
const SCHEDULED: FinishRequest = { ...BY_HAND, scheduled: true };

/** A state that went through `path` (from `new`), one minute apart, the last move at `lastAt`. */
const stateAfter = (path: readonly Phase[], lastAt = CUT_OVER_AT) => stateOf(path, lastAt);

const CUT_OVER = stateAfter(['replicating', 'ready', 'cutting-over', 'cut-over']);

describe('decideFinish', () => {
  describe('in phase cut-over', () => {
    it('finishes once the observation window has ended, with the clients on the target', () => {
      const decision = decideFinish(CUT_OVER, SCHEDULED, CUT_OVER_AT + WINDOW * MINUTE, WINDOW);

      expect(decision).toEqual({ mode: 'finish', phase: 'cut-over', clientsOn: 'target', message: expect.stringContaining('observation window ended') });
    });

    it('refuses inside the window, naming when it ends and the input that finishes anyway', () => {
      const attempt = () => decideFinish(CUT_OVER, BY_HAND, CUT_OVER_AT + 20 * MINUTE, WINDOW);

      expect(attempt).toThrow(FinishTooEarlyError);
      expect(attempt).toThrow(/ends at 2030-01-01T13:00:00.000Z \(in 40 min\).*"force": true/);
    });

    it('finishes inside the window when forced', () => {
      expect(decideFinish(CUT_OVER, FORCED, CUT_OVER_AT + MINUTE, WINDOW)).toMatchObject({ mode: 'finish', clientsOn: 'target', message: expect.stringMatching(/early/) });
    });

    it('does nothing when its schedule fires early, because a later cutover moved the window', () => {
      expect(decideFinish(CUT_OVER, SCHEDULED, CUT_OVER_AT + MINUTE, WINDOW)).toMatchObject({ mode: 'ignore', message: expect.stringMatching(/before the observation window ends/) });
    });
  });

  describe('after a rollback or an abort', () => {
    it.each([
      ['rolled-back', stateAfter(['replicating', 'ready', 'cutting-over', 'cut-over', 'rolling-back', 'rolled-back'])],
      ['aborted', stateAfter(['replicating', 'rolling-back', 'aborted'])],
    ] as const)('finishes %s by hand, with the clients on the source', (phase, state) => {
      expect(decideFinish(state, BY_HAND, CUT_OVER_AT, WINDOW)).toMatchObject({ mode: 'finish', phase, clientsOn: 'source' });
    });

    it('ignores the schedule of the cutover that was rolled back, since the migration may be tried again', () => {
      const rolledBack = stateAfter(['replicating', 'ready', 'cutting-over', 'cut-over', 'rolling-back', 'rolled-back']);

      expect(decideFinish(rolledBack, SCHEDULED, CUT_OVER_AT + 2 * WINDOW * MINUTE, WINDOW)).toMatchObject({ mode: 'ignore', phase: 'rolled-back' });
    });
  });

  it('goes on with a finish that stopped half-way, and lets no schedule start another', () => {
    const finishing = stateAfter(['replicating', 'ready', 'cutting-over', 'cut-over', 'finishing']);

    expect(decideFinish(finishing, BY_HAND, CUT_OVER_AT, WINDOW)).toMatchObject({ mode: 'finish', phase: 'finishing', clientsOn: 'target', message: expect.stringMatching(/stopped half-way/) });
    expect(decideFinish(finishing, SCHEDULED, CUT_OVER_AT, WINDOW)).toMatchObject({ mode: 'ignore' });
    expect(decideRollback(finishing, { reason: 'operator' }, CUT_OVER_AT, WINDOW)).toMatchObject({ mode: 'ignore', phase: 'finishing' });
  });

  describe('when completed', () => {
    const completed = stateAfter(['replicating', 'ready', 'cutting-over', 'cut-over', 'finishing', 'completed']);

    it('runs the cleanup again on request, with the clients where the finish left them', () => {
      expect(decideFinish(completed, BY_HAND, CUT_OVER_AT, WINDOW)).toMatchObject({ mode: 'finish', phase: 'completed', clientsOn: 'target' });
    });

    it('leaves a completed migration alone when a rollback alarm fires', () => {
      const decision = decideRollback(completed, { reason: 'latency alarm', alarmName: 'Ferry-dev-orders-latency' }, CUT_OVER_AT + MINUTE, WINDOW);

      expect(decision).toMatchObject({ mode: 'ignore', phase: 'completed', message: expect.stringMatching(/nothing to roll back/) });
    });
  });

  it.each(['replicating', 'ready', 'cutting-over', 'rolling-back'] as const)('refuses in phase %s, saying what to do first', (phase) => {
    const path: Record<typeof phase, Phase[]> = {
      replicating: ['replicating'],
      ready: ['replicating', 'ready'],
      'cutting-over': ['replicating', 'ready', 'cutting-over'],
      'rolling-back': ['replicating', 'rolling-back'],
    };
    const attempt = () => decideFinish(stateAfter(path[phase]), BY_HAND, CUT_OVER_AT, WINDOW);

    expect(attempt).toThrow(FinishPhaseError);
    expect(attempt).toThrow(new RegExp(`phase "${phase}".*Nothing was changed.*rollback workflow`));
  });

  it('refuses a migration that never started, and lets its schedule do nothing', () => {
    expect(() => decideFinish(undefined, BY_HAND, CUT_OVER_AT, WINDOW)).toThrow(/phase "new".*nothing to finish/);
    expect(decideFinish(undefined, SCHEDULED, CUT_OVER_AT, WINDOW)).toMatchObject({ mode: 'ignore', phase: 'new' });
  });
});
