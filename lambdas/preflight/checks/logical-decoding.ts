import type { CheckOutcome, PreflightCheck, Side } from '../check';
import { readSettings } from '../catalog';
import { sentences } from '../text';

/** `rds.logical_replication` exists only on RDS and Aurora, where it is how wal_level becomes logical. */
export const LOGICAL_DECODING_SETTINGS = ['wal_level', 'rds.logical_replication'] as const;

function howToEnable(settings: ReadonlyMap<string, string>): string {
  const rds = settings.get('rds.logical_replication');
  if (rds === 'on' || rds === '1') {
    return 'rds.logical_replication is already on, so the instance has not been rebooted since: reboot it (for Aurora, the writer instance) for the change to take effect.';
  }
  if (rds !== undefined) {
    return 'Set rds.logical_replication = 1 in the DB parameter group (for Aurora, the DB cluster parameter group) and reboot the instance; RDS then sets wal_level = logical.';
  }
  return 'Set wal_level = logical (ALTER SYSTEM SET wal_level = logical, or in postgresql.conf) and restart PostgreSQL; the setting only takes effect at server start.';
}

/**
 * Logical decoding on the source is what both engines read changes with. On the target it is
 * needed later, for the reverse replication that a rollback after cutover uses.
 */
export function logicalDecodingResult(settings: Readonly<Record<Side, ReadonlyMap<string, string>>>): CheckOutcome {
  const level = (side: Side) => settings[side].get('wal_level') ?? 'unknown';
  if (level('source') !== 'logical') {
    return {
      severity: 'error',
      message: sentences(
        `Logical decoding is off on the source (wal_level = ${level('source')}); neither DMS nor native replication can read its changes.`,
        howToEnable(settings.source),
        level('target') !== 'logical' && 'Do the same on the target before cutover: a rollback after cutover replicates from the target back to the source.',
      ),
      objects: ['source', 'wal_level', ...(settings.source.has('rds.logical_replication') ? ['rds.logical_replication'] : [])],
    };
  }
  if (level('target') !== 'logical') {
    return {
      severity: 'warning',
      message: sentences(
        `Logical decoding is on for the source, but off on the target (wal_level = ${level('target')}).`,
        'The migration can start, but a rollback after cutover replicates writes from the target back to the source and needs it.',
        `Enable it on the target before cutover (it takes a restart): ${howToEnable(settings.target)}`,
      ),
      objects: ['target', 'wal_level'],
    };
  }
  return { severity: 'ok', message: 'Logical decoding is on for both databases (wal_level = logical).', objects: [] };
}

export const logicalDecoding: PreflightCheck = {
  id: 'logical-decoding',
  title: 'wal_level = logical on the source (rds.logical_replication on RDS), and on the target for rollback',
  databases: ['source', 'target'],
  async run(ctx) {
    const [source, target] = await Promise.all([readSettings(ctx.source, LOGICAL_DECODING_SETTINGS), readSettings(ctx.target, LOGICAL_DECODING_SETTINGS)]);
    return logicalDecodingResult({ source, target });
  },
};
