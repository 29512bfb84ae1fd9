import { copyTables, type CopyTablesOptions } from './copier';
import type { CopyProgress } from './progress';
import { createSnapshotSlot } from './snapshot-slot';

/**
 * The native engine's parallel initial copy (pgcopydb's design): a slot with an exported
 * snapshot, several workers copying tables and page ranges of large tables under that one
 * snapshot, then a subscription at the slot for what changed since.
 *
 * What the caller does around it:
 * 1. create the publication, and `assertEmpty(target, tables)` (record that they were empty);
 * 2. `parallelCopy(...)`;
 * 3. on the target: `CREATE SUBSCRIPTION ... WITH (create_slot = false, slot_name = '<slot>',
 *    copy_data = false)`, which streams every change committed after the snapshot.
 * On failure: `discardPartialCopy(target, tables)` and drop the slot; nothing resumes.
 */

export { assertEmpty, discardPartialCopy, readColumns, readTableSizes } from './catalog';
export { copyTables, DEFAULTS, type CopyTablesOptions } from './copier';
export * from './errors';
export type { CopyProgress, TableProgress, UnitProgress } from './progress';
export { COPY_APPLICATION } from './sessions';
export { createSnapshotSlot, SNAPSHOT_APPLICATION, type SnapshotSlot } from './snapshot-slot';
export { ctidCondition, planUnits, type CopyUnit, type TableSize, type UnitPlanOptions } from './units';

export interface ParallelCopyOptions extends Omit<CopyTablesOptions, 'snapshot' | 'onSnapshotImported'> {
  /** The replication slot to create on the source; the subscription attaches to it afterwards. */
  readonly slotName: string;
}

export interface ParallelCopyResult {
  readonly slotName: string;
  /** Where the slot starts streaming: every change committed after the copied snapshot. */
  readonly consistentPoint: string;
  readonly progress: CopyProgress;
}

/**
 * Creates the slot with its snapshot, copies under it, and closes the exporting session as soon
 * as every worker has imported the snapshot (or when the copy fails). The slot stays in every
 * case: after success for the subscription, after a failure for the caller to drop.
 */
export async function parallelCopy(options: ParallelCopyOptions): Promise<ParallelCopyResult> {
  const slot = await createSnapshotSlot(options.source, options.slotName);
  try {
    const progress = await copyTables({ ...options, snapshot: slot.snapshotName, onSnapshotImported: () => slot.close() });
    return { slotName: slot.slotName, consistentPoint: slot.consistentPoint, progress };
  } finally {
    await slot.close();
  }
}
