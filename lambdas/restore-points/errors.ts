import type { RestorePoint } from '../shared/catalog/reports';
import { FerryError } from '../shared/errors';
import type { MigrationConfig } from '../shared/migration-config';

/** A snapshot was still not available when backup.maxWaitMinutes ran out: the cutover stops before the freeze. */
export class RestorePointTimeoutError extends FerryError {
  override readonly name = 'RestorePointTimeoutError';

  constructor(migration: MigrationConfig, points: readonly RestorePoint[]) {
    const waiting = points.filter((p) => p.status !== 'available').map((p) => `${p.snapshotId} of the ${p.side} (${p.status}${p.percentProgress === undefined ? '' : `, ${p.percentProgress}%`})`);
    super(
      `Snapshot ${waiting.join(', ')} was not available within backup.maxWaitMinutes = ${migration.backup.maxWaitMinutes}. Nothing was frozen and ` +
        `the migration stays "ready"; the snapshot goes on in RDS. Start the cutover again once it is available (a later snapshot of the same ` +
        `database is incremental and quicker), or raise backup.maxWaitMinutes.`,
    );
  }
}
