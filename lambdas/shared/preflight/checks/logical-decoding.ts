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

/** What each database needs logical decoding for. */
const NEEDED_FOR: Readonly<Record<Side, string>> = {
  source: 'neither DMS nor native replication can read its changes, nor can change capture',
  target: "change capture reads the target's changes from before the full comparison on (and a rollback after cutover replicates from the target back to the source)",
};

/**
 * Logical decoding is what both engines read the source's changes with, and what change capture
 * reads both databases with (from before the full comparison on); the reverse replication of a
 * rollback after cutover reads the target with it too. Off on either database is an error.
 */
export function logicalDecodingResult(settings: Readonly<Record<Side, ReadonlyMap<string, string>>>): CheckOutcome {
  const level = (side: Side) => settings[side].get('wal_level') ?? 'unknown';
  const off = (['source', 'target'] as const).filter((side) => level(side) !== 'logical');
  if (off.length === 0) return { severity: 'ok', message: 'Logical decoding is on for both databases (wal_level = logical).', objects: [] };
  return {
    severity: 'error',
    message: sentences(...off.map((side) => `Logical decoding is off on the ${side} (wal_level = ${level(side)}); ${NEEDED_FOR[side]}. ${howToEnable(settings[side])}`)),
    objects: [...off, 'wal_level', ...(off.some((side) => settings[side].has('rds.logical_replication')) ? ['rds.logical_replication'] : [])],
  };
}

export const logicalDecoding: PreflightCheck = {
  id: 'logical-decoding',
  title: 'wal_level = logical (rds.logical_replication on RDS) on the source, for the replication and change capture, and on the target, for change capture and the reverse replication',
  databases: ['source', 'target'],
  async run(ctx) {
    const [source, target] = await Promise.all([readSettings(ctx.source, LOGICAL_DECODING_SETTINGS), readSettings(ctx.target, LOGICAL_DECODING_SETTINGS)]);
    return logicalDecodingResult({ source, target });
  },
};
