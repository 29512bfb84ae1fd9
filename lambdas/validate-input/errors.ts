import type { Phase } from '../shared/checkpoints';
import { FerryError } from '../shared/errors';

/** The migration is past the point where the migrate workflow may touch it (cutover or rollback under way or done). */
export class MigratePhaseError extends FerryError {
  override readonly name = 'MigratePhaseError';

  constructor(
    readonly migrationId: string,
    readonly phase: Phase,
    allowed: readonly Phase[],
  ) {
    super(
      `Migration "${migrationId}" is in phase "${phase}"; the migrate workflow (which starts replication from the source) ` +
        `runs only in phases ${allowed.map((p) => `"${p}"`).join(', ')}. Nothing was started. ` +
        `Roll back a cutover first; after a rollback or an abort the migrate workflow can run again (a completed migration is over).`,
    );
  }
}
