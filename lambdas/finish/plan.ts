import type { MigrationState, Phase } from '../shared/checkpoints';
import { FinishPhaseError, FinishTooEarlyError } from './errors';

/** What the finish workflow was asked: by the operator (`force` to end the window early) or by its schedule. */
export interface FinishRequest {
  readonly migrationId: string;
  /** Finish a cut-over migration before its observation window ends. */
  readonly force: boolean;
  /** Started by the one-time schedule the cutover created, not by a person. */
  readonly scheduled: boolean;
}

export type FinishDecision =
  | {
      readonly mode: 'finish';
      readonly phase: Phase;
      /** Whether the clients use the target (finishing a cutover) or the source (after a rollback or abort). */
      readonly clientsOn: 'source' | 'target';
      readonly message: string;
    }
  | { readonly mode: 'ignore'; readonly phase: Phase; readonly message: string };

/** Phases the finish workflow ends a migration from. */
export const FINISHABLE_PHASES: readonly Phase[] = ['cut-over', 'rolled-back', 'aborted', 'finishing', 'completed'];

/**
 * What a finish request does, as a pure function of the state:
 * - cut-over: finish once the observation window has ended, or earlier with `force` (the
 *   automatic rollback ends with it); the schedule firing early (a later cutover moved the
 *   window) does nothing.
 * - rolled-back, aborted: finish when a person asks; the schedule of an earlier cutover does
 *   nothing, since a rolled-back migration may be tried again.
 * - finishing (an earlier finish stopped half-way) and completed: the cleanup runs again, and
 *   finds nothing left once it has all gone (idempotent).
 * - any other phase: refused (FinishPhaseError) saying what to do first; the schedule does nothing.
 */
export function decideFinish(state: MigrationState | undefined, request: FinishRequest, now: number, observationMinutes: number): FinishDecision {
  const phase: Phase = state?.phase ?? 'new';
  const ignore = (message: string): FinishDecision => ({ mode: 'ignore', phase, message });
  switch (phase) {
    case 'cut-over': {
      const since = state?.history.filter((h) => h.to === 'cut-over').at(-1)?.at;
      const windowEnds = (since === undefined ? now : Date.parse(since)) + observationMinutes * 60_000;
      if (now >= windowEnds) return { mode: 'finish', phase, clientsOn: 'target', message: `the observation window ended at ${iso(windowEnds)}` };
      if (request.force) {
        return { mode: 'finish', phase, clientsOn: 'target', message: `finished early on request (force); the observation window would have ended at ${iso(windowEnds)}` };
      }
      if (request.scheduled) return ignore(`the schedule fired before the observation window ends (${iso(windowEnds)}): a later cutover moved it`);
      throw new FinishTooEarlyError(request.migrationId, windowEnds, now);
    }
    case 'rolled-back':
    case 'aborted':
      if (request.scheduled) {
        return ignore(
          `the migration is "${phase}", not cut over: the schedule of its cutover does nothing. ` +
            `Start the finish workflow with {"migrationId": "${request.migrationId}"} to end the migration for good, or migrate again`,
        );
      }
      return { mode: 'finish', phase, clientsOn: 'source', message: `the migration was ${phase === 'aborted' ? 'aborted' : 'rolled back'}: the clients stay on the source` };
    case 'finishing':
    case 'completed': {
      const from = state?.history.filter((h) => h.to === 'finishing').at(-1)?.from;
      if (request.scheduled) return ignore(`the migration is ${phase} already`);
      const message = phase === 'completed' ? 'the migration is completed already; the cleanup runs again' : 'an earlier finish stopped half-way; it goes on';
      return { mode: 'finish', phase, clientsOn: from === 'cut-over' ? 'target' : 'source', message };
    }
    default:
      if (request.scheduled) return ignore(`the migration is in phase "${phase}"; the schedule of an earlier cutover does nothing`);
      throw new FinishPhaseError(request.migrationId, phase, FINISHABLE_PHASES);
  }
}

export const iso = (ms: number) => new Date(ms).toISOString();
