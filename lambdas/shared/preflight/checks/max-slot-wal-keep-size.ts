import type { CheckOutcome, PreflightCheck } from '../check';
import { readSettings } from '../catalog';
import { formatBytes, sentences } from '../text';

/**
 * @param megabytes max_slot_wal_keep_size in MB as pg_settings shows it; undefined before
 *   PostgreSQL 13, which does not have the setting.
 */
export function maxSlotWalKeepSizeResult(megabytes: string | undefined): CheckOutcome {
  if (megabytes === undefined) {
    return {
      severity: 'info',
      message:
        'The source is older than PostgreSQL 13 and has no max_slot_wal_keep_size: a replication slot that stops advancing keeps WAL without limit. Watch the free disk space on the source while the migration runs.',
      objects: ['max_slot_wal_keep_size'],
    };
  }
  if (Number(megabytes) < 0) {
    return {
      severity: 'warning',
      message: sentences(
        'max_slot_wal_keep_size = -1 on the source: if the replication stops or falls far behind, its slot keeps WAL until the source disk is full, and a full disk stops the source database.',
        'Set a limit the disk can hold with room to spare, for example a few hours of peak WAL volume (self-managed: ALTER SYSTEM SET max_slot_wal_keep_size = \'100GB\'; SELECT pg_reload_conf(); RDS: set it in the DB parameter group, no reboot needed).',
        'A slot that falls behind by more than the limit is invalidated and the migration then has to start over with a full load, which is better than a stopped source.',
      ),
      objects: ['max_slot_wal_keep_size'],
    };
  }
  return {
    severity: 'ok',
    message: `max_slot_wal_keep_size = ${formatBytes(Number(megabytes) * 1024 * 1024)} on the source: a slot that falls further behind than that is invalidated rather than filling the disk (the migration then needs a full load again).`,
    objects: [],
  };
}

export const maxSlotWalKeepSize: PreflightCheck = {
  id: 'max-slot-wal-keep-size',
  title: 'max_slot_wal_keep_size on the source limits the WAL a stuck slot can keep (PostgreSQL 13+)',
  databases: ['source'],
  run: async (ctx) => maxSlotWalKeepSizeResult((await readSettings(ctx.source, ['max_slot_wal_keep_size'])).get('max_slot_wal_keep_size')),
};
