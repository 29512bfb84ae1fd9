import type { Database } from '../../pg/connection';
import type { CheckOutcome, PreflightCheck, Severity, Side } from '../check';
import { readSettings } from '../catalog';
import { parallelCopiesNote, readReplicationPlan, slotUses, type SlotUse } from '../needs';
import { count, listNames, sentences, worst } from '../text';

/** The replication slots of the server a database is on (slots and their limit are per server). */
export interface ServerSlots {
  /**
   * Which server this is (system identifier and start time), so two databases on one server are
   * told apart from two servers; undefined when it cannot be read.
   */
  readonly server?: string;
  readonly max: number;
  readonly slots: ReadonlyArray<{ readonly name: string; readonly active: boolean }>;
}

interface SideFinding {
  readonly severity: Severity;
  readonly text: string;
  readonly objects: readonly string[];
}

const sum = (uses: readonly SlotUse[]) => uses.reduce((n, u) => n + u.count, 0);

function listReasons(uses: readonly SlotUse[]): string {
  return listNames(uses.map((u) => u.because), uses.length);
}

/**
 * @param takenBySource on a server that also holds the source database: the slots the source's
 *   migration still takes there, which the target cannot have.
 * @param ours every slot name of this migration, on either database: never reported as forgotten.
 * @param reportInactive false for the target when it shares the source's server (listed once).
 */
function sideFinding(side: Side, uses: readonly SlotUse[], found: ServerSlots, ours: ReadonlySet<string>, takenBySource: number, reportInactive: boolean): SideFinding {
  const existing = new Set(found.slots.map((s) => s.name));
  const there = uses.filter((u) => u.name !== undefined && existing.has(u.name));
  const toCreate = uses.filter((u) => !there.includes(u) && u.count > 0);
  const need = sum(toCreate);
  const needToStart = sum(toCreate.filter((u) => !u.atCutover));
  const inUse = found.slots.length + takenBySource;
  const free = found.max - inUse;
  const shared = takenBySource > 0 ? ` once the source's ${takenBySource} are taken (both databases are on one server)` : '';
  const needText = need === 0 ? 'Ferry needs none more there' : `Ferry needs ${need}${there.length > 0 ? ' more' : ''} there (${listReasons(toCreate)})`;
  const thereNames = there.map((u) => u.name!).sort();
  const thereText = thereNames.length > 0 ? `; ${listNames(thereNames)} ${thereNames.length === 1 ? 'is' : 'are'} there already from an earlier run of this migration` : '';
  const finding = `The ${side} has ${free} of max_replication_slots = ${found.max} free${shared}; ${needText}${thereText}.`;

  const inactive = reportInactive ? found.slots.filter((s) => !s.active && !ours.has(s.name)).map((s) => s.name) : [];
  const inactiveNote =
    inactive.length > 0 &&
    `${count(inactive.length, 'slot')} ${inactive.length === 1 ? 'is inactive and keeps' : 'are inactive and keep'} WAL on the ${side} disk: ${listNames(inactive)}. Drop any that nothing uses any more (SELECT pg_drop_replication_slot('<name>')).`;
  const inactiveObjects = inactive.map((name) => `${side}:${name}`);
  const raiseTo = inUse + need;
  const raise = `max_replication_slots on the ${side} to at least ${raiseTo} (RDS: in the DB parameter group, then reboot; self-managed: ALTER SYSTEM SET max_replication_slots = ${raiseTo} and restart), or free slots`;

  if (free < needToStart) {
    return { severity: 'error', text: sentences(finding, `Raise ${raise}.`, inactiveNote), objects: [`${side}:max_replication_slots`, ...inactiveObjects] };
  }
  if (free < need) {
    return {
      severity: 'warning',
      text: sentences(finding, `That is enough to start, but not for the reverse replication at cutover (a rollback after cutover needs it): before cutover, raise ${raise}.`, inactiveNote),
      objects: [`${side}:max_replication_slots`, ...inactiveObjects],
    };
  }
  return { severity: inactiveNote ? 'info' : 'ok', text: sentences(finding, inactiveNote), objects: inactiveObjects };
}

/**
 * Free slots on both databases for what the migration still creates: on the source the
 * replication's and the change-capture slot; on the target the change-capture slot and the reverse
 * replication's (at cutover). Slots with this migration's names that exist already are not counted
 * again. Short of slots to start is an error; short only of the reverse replication's, a warning.
 */
export function replicationSlotsResult(uses: Readonly<Record<Side, readonly SlotUse[]>>, found: Readonly<Record<Side, ServerSlots>>): CheckOutcome {
  const ours = new Set([...uses.source, ...uses.target].flatMap((u) => (u.name === undefined ? [] : [u.name])));
  const oneServer = found.source.server !== undefined && found.source.server === found.target.server;
  const source = sideFinding('source', uses.source, found.source, ours, 0, true);
  const sourceExisting = new Set(found.source.slots.map((s) => s.name));
  const sourceTakes = sum(uses.source.filter((u) => u.name === undefined || !sourceExisting.has(u.name)));
  const target = sideFinding('target', uses.target, found.target, ours, oneServer ? sourceTakes : 0, !oneServer);
  return {
    severity: worst([source.severity, target.severity]),
    message: sentences(source.text, target.text),
    objects: [...source.objects, ...target.objects],
  };
}

/** One server's slots. The server's identity is optional: reading it needs pg_control_system(). */
export async function readServerSlots(db: Database): Promise<ServerSlots> {
  const [settings, slots, server] = await Promise.all([
    readSettings(db, ['max_replication_slots']),
    db.query<{ name: string; active: boolean }>('select slot_name::text as name, active from pg_catalog.pg_replication_slots order by slot_name'),
    db
      .query<{ server: string }>(`select system_identifier::text || ' ' || pg_catalog.pg_postmaster_start_time()::text as server from pg_catalog.pg_control_system()`)
      .then(([row]) => row?.server)
      .catch(() => undefined),
  ]);
  return { max: Number(settings.get('max_replication_slots') ?? 0), slots, ...(server === undefined ? {} : { server }) };
}

export const replicationSlots: PreflightCheck = {
  id: 'replication-slots',
  title:
    "Free replication slots for what Ferry still creates: on the source the replication (DMS 1; native 1 + the target's max_sync_workers_per_subscription) and change capture (1); on the target change capture (1) and the reverse replication at cutover (1)",
  databases: ['source', 'target'],
  async run(ctx) {
    const [source, target, plan] = await Promise.all([readServerSlots(ctx.source), readServerSlots(ctx.target), readReplicationPlan(ctx)]);
    const uses = { ...plan, ferrySlots: ctx.ferrySlots };
    const result = replicationSlotsResult({ source: slotUses(uses, 'source'), target: slotUses(uses, 'target') }, { source, target });
    return { ...result, message: sentences(result.message, parallelCopiesNote(plan)) };
  },
};
