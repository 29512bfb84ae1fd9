import type { MigrationState, Phase } from '../shared/checkpoints';

export type RollbackMode = 'abort' | 'back-out' | 'roll-back' | 'ignore';

export interface RollbackTrigger {
  readonly reason: string;
  /** Set when a CloudWatch alarm started the rollback. */
  readonly alarmName?: string;
}

export interface RollbackDecision {
  readonly mode: RollbackMode;
  readonly phase: Phase;
  readonly message: string;
}

/**
 * What a rollback trigger does in each phase, as a pure function of the state and the trigger:
 * - cut-over: roll back (clients back to the source, writes made on the target replayed there);
 *   an alarm only acts inside the observation window.
 * - cutting-over with the lock free: a cutover ended half-way; back out to `ready`.
 * - replicating, ready: an operator's rollback aborts (replication stopped, source thawed); an
 *   alarm is ignored, since the migrate workflow already waits for lag and reports failures.
 * - rolling-back with the lock free: a rollback ended half-way; finish it the way it started.
 * - new, rolled-back, aborted: nothing to roll back.
 */
export function decideRollback(state: MigrationState | undefined, trigger: RollbackTrigger, now: number, observationMinutes: number): RollbackDecision {
  const phase: Phase = state?.phase ?? 'new';
  const alarm = trigger.alarmName !== undefined;
  const ignore = (message: string): RollbackDecision => ({ mode: 'ignore', phase, message });
  switch (phase) {
    case 'cut-over': {
      const since = lastEntryInto(state, 'cut-over');
      const windowEnds = since === undefined ? undefined : since + observationMinutes * 60_000;
      if (alarm && windowEnds !== undefined && now > windowEnds) {
        return ignore(
          `alarm "${trigger.alarmName}" fired after the observation window ended (${new Date(windowEnds).toISOString()}); ` +
            `alarms roll back only within it. Start the rollback workflow from the console to roll back anyway.`,
        );
      }
      return { mode: 'roll-back', phase, message: 'the clients move back to the source; writes made on the target are replayed there' };
    }
    case 'cutting-over':
      return { mode: 'back-out', phase, message: 'a cutover ended half-way: its changes are undone and the migration returns to "ready"' };
    case 'replicating':
    case 'ready':
      if (alarm) return ignore(`alarm "${trigger.alarmName}" fired before cutover; the clients still use the source and the migrate workflow handles lag and failures`);
      return { mode: 'abort', phase, message: 'replication stops and the source stays in use; the migration is aborted' };
    case 'rolling-back': {
      const from = state?.history.filter((h) => h.to === 'rolling-back').at(-1)?.from;
      return from === 'cut-over' || from === 'cutting-over'
        ? { mode: 'roll-back', phase, message: 'an earlier rollback ended half-way; it is finished now' }
        : { mode: 'abort', phase, message: 'an earlier abort ended half-way; it is finished now' };
    }
    default:
      return ignore(`the migration is in phase "${phase}": there is nothing to roll back`);
  }
}

function lastEntryInto(state: MigrationState | undefined, phase: Phase): number | undefined {
  const at = state?.history.filter((h) => h.to === phase).at(-1)?.at;
  return at === undefined ? undefined : Date.parse(at);
}
