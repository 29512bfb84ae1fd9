import type { Phase } from '../shared/checkpoints';
import { FerryError } from '../shared/errors';

/** A cut-over migration's observation window has not ended: finishing now would end the automatic rollback. */
export class FinishTooEarlyError extends FerryError {
  override readonly name = 'FinishTooEarlyError';

  constructor(
    readonly migrationId: string,
    readonly windowEnds: number,
    now: number,
  ) {
    const minutes = Math.ceil((windowEnds - now) / 60_000);
    super(
      `Migration "${migrationId}" is cut over and its observation window ends at ${new Date(windowEnds).toISOString()} (in ${minutes} min); until then a rollback ` +
        `alarm moves the clients back to the source, which finishing would make impossible. Nothing was changed. The finish workflow starts by ` +
        `itself when the window ends; to finish now anyway, start it with {"migrationId": "${migrationId}", "force": true}.`,
    );
  }
}

/** The migration is in a phase the finish workflow does not end. */
export class FinishPhaseError extends FerryError {
  override readonly name = 'FinishPhaseError';

  constructor(
    readonly migrationId: string,
    readonly phase: Phase,
    finishable: readonly Phase[],
  ) {
    super(
      `Migration "${migrationId}" is in phase "${phase}"; the finish workflow ends a migration only in phases ` +
        `${finishable.map((p) => `"${p}"`).join(', ')}. Nothing was changed. ${NEXT_STEP[phase] ?? ''}`.trimEnd(),
    );
  }
}

const NEXT_STEP: Partial<Record<Phase, string>> = {
  new: 'Nothing was started for it, so there is nothing to finish.',
  replicating: `To give the migration up, abort it first with the rollback workflow ({"migrationId", "reason"}), then finish it.`,
  ready: `Cut over first, or abort with the rollback workflow ({"migrationId", "reason"}) and then finish it.`,
  'cutting-over': 'A cutover is under way or ended half-way; the rollback workflow finishes a half-done cutover. Try again once it is "cut-over" or "ready".',
  'rolling-back': 'A rollback is under way or ended half-way; start the rollback workflow again to finish it, then finish the migration.',
};

/** Finishing now could lose or refuse writes: the clients are not where the phase says. */
export class FinishUnsafeError extends FerryError {
  override readonly name = 'FinishUnsafeError';

  constructor(
    readonly migrationId: string,
    why: string,
  ) {
    super(
      `Migration "${migrationId}" was not finished: ${why}. Nothing was changed. Find out who moved the clients or froze the database ` +
        `(the checkpoint table's FREEZE items and the switch's history say), put it right, and start the finish workflow again with {"migrationId": "${migrationId}"}.`,
    );
  }
}

/** After the cleanup, something of the migration is still on a database. */
export class CleanupIncompleteError extends FerryError {
  override readonly name = 'CleanupIncompleteError';

  constructor(
    readonly migrationId: string,
    readonly left: readonly string[],
  ) {
    super(
      `Finishing migration "${migrationId}" left ${left.join('; ')}. The phase was not changed. Start the finish workflow again with ` +
        `{"migrationId": "${migrationId}"}; if it stays, drop it by hand (a slot keeps WAL on its database until it is dropped).`,
    );
  }
}
