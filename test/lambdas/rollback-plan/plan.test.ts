import { describe, expect, it } from 'vitest';
import type { MigrationState, Phase } from '../../../lambdas/shared/checkpoints';
import { stateAfter as stateOf } from '../../helpers/migration-state';
import { decideRollback, type RollbackTrigger } from '../../../lambdas/rollback-plan/plan';

const CUT_OVER_AT = Date.UTC(2030, 0, 1, 12, 0, 0);
const MINUTE = 60_000;
const OBSERVATION_MINUTES = 60;
const ALARM: RollbackTrigger = { reason: 'alarm Ferry-dev-orders-errors went to ALARM', alarmName: 'Ferry-dev-orders-errors' };
const CONSOLE: RollbackTrigger = { reason: 'the operator asked for it' };

/** A state that went through `path` (from `new`), one minute apart, the last move at `lastAt`. */
const stateAfter = (path: readonly Phase[], lastAt = CUT_OVER_AT) => stateOf(path, lastAt);

const CUT_OVER = stateAfter(['replicating', 'ready', 'cutting-over', 'cut-over']);

describe('decideRollback', () => {
  describe('in phase cut-over', () => {
    it('rolls back on an alarm inside the observation window', () => {
      // Act
      const decision = decideRollback(CUT_OVER, ALARM, CUT_OVER_AT + 59 * MINUTE, OBSERVATION_MINUTES);

      // Assess
      expect(decision).toEqual({ mode: 'roll-back', phase: 'cut-over', message: expect.stringContaining('the clients move back to the source') });
    });

    it('still rolls back on an alarm at the very end of the window', () => {
      // Act
      const decision = decideRollback(CUT_OVER, ALARM, CUT_OVER_AT + OBSERVATION_MINUTES * MINUTE, OBSERVATION_MINUTES);

      // Assess
      expect(decision.mode).toBe('roll-back');
    });

    it('ignores an alarm after the observation window, naming the alarm, when the window ended and how to roll back anyway', () => {
      // Act
      const decision = decideRollback(CUT_OVER, ALARM, CUT_OVER_AT + OBSERVATION_MINUTES * MINUTE + 1, OBSERVATION_MINUTES);

      // Assess
      expect(decision).toMatchObject({ mode: 'ignore', phase: 'cut-over' });
      expect(decision.message).toContain('alarm "Ferry-dev-orders-errors" fired after the observation window ended');
      expect(decision.message).toContain(new Date(CUT_OVER_AT + OBSERVATION_MINUTES * MINUTE).toISOString());
      expect(decision.message).toContain('Start the rollback workflow from the console to roll back anyway');
    });

    it('ignores every alarm when the observation window is 0 minutes', () => {
      // Act
      const decision = decideRollback(CUT_OVER, ALARM, CUT_OVER_AT + 1, 0);

      // Assess
      expect(decision.mode).toBe('ignore');
    });

    it('rolls back on a console trigger inside the window and long after it', () => {
      // Act
      const inside = decideRollback(CUT_OVER, CONSOLE, CUT_OVER_AT + MINUTE, OBSERVATION_MINUTES);
      const after = decideRollback(CUT_OVER, CONSOLE, CUT_OVER_AT + 30 * 24 * 60 * MINUTE, OBSERVATION_MINUTES);

      // Assess
      expect(inside).toMatchObject({ mode: 'roll-back', phase: 'cut-over' });
      expect(after).toMatchObject({ mode: 'roll-back', phase: 'cut-over' });
    });

    it('measures the window from the last cutover, not an earlier one that was rolled back', () => {
      // Prepare: cut over, rolled back, and cut over again two hours later
      const again = stateAfter(
        ['replicating', 'ready', 'cutting-over', 'cut-over', 'rolling-back', 'rolled-back', 'replicating', 'ready', 'cutting-over', 'cut-over'],
        CUT_OVER_AT + 120 * MINUTE,
      );

      // Act
      const decision = decideRollback(again, ALARM, CUT_OVER_AT + 150 * MINUTE, OBSERVATION_MINUTES);

      // Assess
      expect(decision.mode).toBe('roll-back');
    });

    it('rolls back on an alarm when the history no longer says when the cutover happened', () => {
      // Prepare
      const forgotten: MigrationState = { ...CUT_OVER, history: [] };

      // Act
      const decision = decideRollback(forgotten, ALARM, CUT_OVER_AT + 1000 * MINUTE, OBSERVATION_MINUTES);

      // Assess
      expect(decision.mode).toBe('roll-back');
    });
  });

  describe('in phase cutting-over', () => {
    it.each([
      ['an alarm', ALARM],
      ['a console trigger', CONSOLE],
    ])('backs out to ready on %s', (_what, trigger) => {
      // Prepare
      const state = stateAfter(['replicating', 'ready', 'cutting-over']);

      // Act
      const decision = decideRollback(state, trigger, CUT_OVER_AT + MINUTE, OBSERVATION_MINUTES);

      // Assess
      expect(decision).toEqual({ mode: 'back-out', phase: 'cutting-over', message: expect.stringContaining('returns to "ready"') });
    });
  });

  describe.each([
    ['replicating', ['replicating']],
    ['ready', ['replicating', 'ready']],
  ] as const)('in phase %s', (phase, path) => {
    const state = stateAfter(path);

    it('aborts on a console trigger: replication stops and the source stays in use', () => {
      // Act
      const decision = decideRollback(state, CONSOLE, CUT_OVER_AT + MINUTE, OBSERVATION_MINUTES);

      // Assess
      expect(decision).toEqual({ mode: 'abort', phase, message: expect.stringContaining('replication stops and the source stays in use') });
    });

    it('ignores an alarm, naming it and saying the clients still use the source', () => {
      // Act
      const decision = decideRollback(state, ALARM, CUT_OVER_AT + MINUTE, OBSERVATION_MINUTES);

      // Assess
      expect(decision).toMatchObject({ mode: 'ignore', phase });
      expect(decision.message).toContain('alarm "Ferry-dev-orders-errors" fired before cutover');
      expect(decision.message).toContain('the clients still use the source');
    });
  });

  describe('in phase rolling-back (an earlier rollback ended half-way)', () => {
    it.each([
      ['cut-over', ['replicating', 'ready', 'cutting-over', 'cut-over', 'rolling-back']],
      ['cutting-over', ['replicating', 'ready', 'cutting-over', 'rolling-back']],
    ] as const)('finishes the roll-back that started from %s, for an alarm and a console trigger alike', (_from, path) => {
      // Prepare
      const state = stateAfter(path);

      // Act
      const decisions = [ALARM, CONSOLE].map((t) => decideRollback(state, t, CUT_OVER_AT + 1000 * MINUTE, OBSERVATION_MINUTES));

      // Assess
      for (const decision of decisions) {
        expect(decision).toEqual({ mode: 'roll-back', phase: 'rolling-back', message: expect.stringContaining('an earlier rollback ended half-way') });
      }
    });

    it.each([
      ['ready', ['replicating', 'ready', 'rolling-back']],
      ['replicating', ['replicating', 'rolling-back']],
    ] as const)('finishes the abort that started from %s, for an alarm and a console trigger alike', (_from, path) => {
      // Prepare
      const state = stateAfter(path);

      // Act
      const decisions = [ALARM, CONSOLE].map((t) => decideRollback(state, t, CUT_OVER_AT + MINUTE, OBSERVATION_MINUTES));

      // Assess
      for (const decision of decisions) {
        expect(decision).toEqual({ mode: 'abort', phase: 'rolling-back', message: expect.stringContaining('an earlier abort ended half-way') });
      }
    });

    it('looks at the last entry into rolling-back, not an earlier rollback', () => {
      // Prepare: rolled back after a cutover once, then aborted before the next cutover
      const state = stateAfter(['replicating', 'ready', 'cutting-over', 'cut-over', 'rolling-back', 'rolled-back', 'replicating', 'ready', 'rolling-back']);

      // Act
      const decision = decideRollback(state, CONSOLE, CUT_OVER_AT + MINUTE, OBSERVATION_MINUTES);

      // Assess
      expect(decision.mode).toBe('abort');
    });
  });

  describe.each([
    ['new', []],
    ['rolled-back', ['replicating', 'ready', 'cutting-over', 'cut-over', 'rolling-back', 'rolled-back']],
    ['aborted', ['replicating', 'aborted']],
  ] as const)('in phase %s', (phase, path) => {
    it.each([
      ['an alarm', ALARM],
      ['a console trigger', CONSOLE],
    ])('ignores %s: there is nothing to roll back', (_what, trigger) => {
      // Prepare
      const state = stateAfter(path);

      // Act
      const decision = decideRollback(state, trigger, CUT_OVER_AT + MINUTE, OBSERVATION_MINUTES);

      // Assess
      expect(decision).toEqual({ mode: 'ignore', phase, message: `the migration is in phase "${phase}": there is nothing to roll back` });
    });
  });

  it('treats a migration without a state as new, and ignores the trigger', () => {
    // Act
    const decision = decideRollback(undefined, CONSOLE, CUT_OVER_AT, OBSERVATION_MINUTES);

    // Assess
    expect(decision).toEqual({ mode: 'ignore', phase: 'new', message: expect.stringContaining('nothing to roll back') });
  });
});
