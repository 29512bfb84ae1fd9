import type { CheckpointStore, VerificationLease, VerificationRecord } from '../checkpoints';
import { captureSlotName } from '../capture/names';
import { createSlot, dropSlot, slotInfo } from '../capture/slot';
import type { MigrationConfig } from '../migration-config';
import type { Database } from '../pg/connection';
import type { ApplyProof } from './applied';
import { captureProblem } from './round';

/**
 * The life of a migration's change capture: started by the migrate workflow before its full
 * comparison reads anything, dropped with the migration (abort, rollback, finish), and dropped by
 * Ferry itself when a slot holds more WAL than allowed.
 */

export interface CaptureContext {
  readonly migration: MigrationConfig;
  readonly source: Database;
  readonly target: Database;
  readonly store: CheckpointStore;
  readonly lease: VerificationLease;
  readonly now: () => number;
}

export interface StartCaptureResult {
  readonly captureId: string;
  /** The run id the full comparison checkpoints under: one per capture, so a new capture never reuses older segments. */
  readonly compareRunId: string;
  readonly reused: boolean;
  readonly startedAt: number;
  readonly slots: VerificationRecord['slots'];
}

/** How long the capture start waits for the target to apply the source slot's start. */
const START_APPLY_WAIT_MS = 120_000;

/**
 * Reuses the run's capture when both slots are still there and usable; otherwise drops whatever
 * is left and creates both slots afresh. Then waits until the target has applied the source
 * slot's starting point, so that from then on every change the target applies is one the source
 * slot records: a full comparison starting after this step proves equality together with the
 * verification of every captured key.
 */
export async function startCapture(ctx: CaptureContext, runId: string, proof: ApplyProof): Promise<StartCaptureResult> {
  const existing = await ctx.store.getVerification(ctx.migration.id);
  const dbs = { source: ctx.source, target: ctx.target };
  let record = existing;
  const reused = existing !== undefined && existing.status === 'capturing' && existing.runId === runId && (await captureProblem(existing, dbs)) === undefined;
  if (!reused) {
    const names = { source: captureSlotName(ctx.migration.id, 'source'), target: captureSlotName(ctx.migration.id, 'target') };
    const startedAt = ctx.now();
    // Source first: the target's slot then starts later, which only ever records more.
    const sourceStart = await createSlot(ctx.source, names.source);
    const targetStart = await createSlot(ctx.target, names.target);
    record = {
      migrationId: ctx.migration.id,
      captureId: `c${startedAt.toString(36)}`,
      runId,
      status: 'capturing',
      startedAt,
      slots: { source: { name: names.source, startLsn: sourceStart }, target: { name: names.target, startLsn: targetStart } },
      unresolved: [],
      tablesToCompare: [],
      rounds: 0,
    };
    await ctx.store.putVerification(record, ctx.lease);
  }
  await proof.waitApplied(record!.slots.source.startLsn, { deadline: ctx.now() + START_APPLY_WAIT_MS });
  return {
    captureId: record!.captureId,
    compareRunId: `${runId}:${record!.captureId}`,
    reused,
    startedAt: record!.startedAt,
    slots: record!.slots,
  };
}

/** Drops both capture slots (whatever the record says) and marks the capture dropped. Idempotent. */
export async function dropCapture(ctx: CaptureContext, why: string): Promise<string[]> {
  const dropped: string[] = [];
  for (const side of ['source', 'target'] as const) {
    const name = captureSlotName(ctx.migration.id, side);
    if (await dropSlot(ctx[side], name)) dropped.push(`${name} on the ${ctx[side].label}`);
  }
  const record = await ctx.store.getVerification(ctx.migration.id);
  if (record && record.status !== 'dropped') {
    await ctx.store.putVerification({ ...record, status: 'dropped', lost: { reason: why, at: ctx.now() } }, ctx.lease);
  }
  return dropped;
}

export interface SlotWal {
  readonly side: 'source' | 'target';
  readonly slot: string;
  /** Undefined when the slot is gone. */
  readonly retainedBytes?: number;
}

/** WAL each capture slot keeps on its database. */
export async function captureWal(migration: MigrationConfig, dbs: { readonly source: Database; readonly target: Database }): Promise<SlotWal[]> {
  const out: SlotWal[] = [];
  for (const side of ['source', 'target'] as const) {
    const slot = captureSlotName(migration.id, side);
    const info = await slotInfo(dbs[side], slot);
    out.push(info ? { side, slot, retainedBytes: info.retainedBytes } : { side, slot });
  }
  return out;
}

/**
 * A capture slot holding more WAL than `verification.maxSlotWalMb` is dropped: a database's disk
 * matters more than the proof, which a new full comparison restores. Returns what was done, for
 * the notification (undefined when every slot is within the limit).
 */
export async function enforceSlotLimit(ctx: CaptureContext, wal: readonly SlotWal[]): Promise<string | undefined> {
  const limit = ctx.migration.verification.maxSlotWalMb * 1024 * 1024;
  const over = wal.filter((w) => w.retainedBytes !== undefined && w.retainedBytes > limit);
  if (over.length === 0) return undefined;
  const record = await ctx.store.getVerification(ctx.migration.id);
  const what = over.map((w) => `"${w.slot}" on the ${ctx[w.side].label} held ${mb(w.retainedBytes!)} MB of WAL`).join('; ');
  const reason = `${what}, over verification.maxSlotWalMb = ${ctx.migration.verification.maxSlotWalMb} MB (verification rounds did not advance it)`;
  for (const side of ['source', 'target'] as const) await dropSlot(ctx[side], captureSlotName(ctx.migration.id, side));
  if (record && record.status === 'capturing') {
    await ctx.store.putVerification({ ...record, status: 'lost', lost: { reason, at: ctx.now() } }, ctx.lease);
  }
  return reason;
}

const mb = (bytes: number) => Math.round(bytes / (1024 * 1024)).toLocaleString('en-US');
