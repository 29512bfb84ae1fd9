import type { Database } from '../../shared/pg/connection';
import type { CheckOutcome, PreflightCheck } from '../check';
import { readSettings } from '../catalog';
import { replicationNeed, type ReplicationNeed } from '../needs';
import { count, listNames, sentences } from '../text';

export interface SlotUse {
  readonly max: number;
  readonly slots: ReadonlyArray<{ readonly name: string; readonly active: boolean }>;
}

export function replicationSlotsResult(need: ReplicationNeed, use: SlotUse): CheckOutcome {
  const free = use.max - use.slots.length;
  const inactive = use.slots.filter((s) => !s.active).map((s) => s.name);
  const found = `The source has ${free} of max_replication_slots = ${use.max} free; the replication needs ${need.count} (${need.because}).`;
  const inactiveNote =
    inactive.length > 0 &&
    `${count(inactive.length, 'slot')} ${inactive.length === 1 ? 'is inactive and keeps' : 'are inactive and keep'} WAL on the source disk: ${listNames(inactive)}. Drop any that nothing uses any more (SELECT pg_drop_replication_slot('<name>')).`;
  if (free < need.count) {
    return {
      severity: 'error',
      message: sentences(
        found,
        `Raise max_replication_slots to at least ${use.slots.length + need.count} (RDS: in the DB parameter group, then reboot; self-managed: ALTER SYSTEM SET max_replication_slots = ${use.slots.length + need.count} and restart), or free slots.`,
        inactiveNote,
      ),
      objects: ['max_replication_slots', ...inactive],
    };
  }
  if (inactiveNote) return { severity: 'info', message: sentences(found, inactiveNote), objects: inactive };
  return { severity: 'ok', message: found, objects: [] };
}

export async function readSlotUse(db: Database): Promise<SlotUse> {
  const [settings, slots] = await Promise.all([
    readSettings(db, ['max_replication_slots']),
    db.query<{ name: string; active: boolean }>('select slot_name::text as name, active from pg_catalog.pg_replication_slots order by slot_name'),
  ]);
  return { max: Number(settings.get('max_replication_slots') ?? 0), slots };
}

export const replicationSlots: PreflightCheck = {
  id: 'replication-slots',
  title: 'Free replication slots on the source (1 for DMS; 1 + syncWorkers for native)',
  databases: ['source'],
  run: async (ctx) => replicationSlotsResult(replicationNeed(ctx), await readSlotUse(ctx.source)),
};
