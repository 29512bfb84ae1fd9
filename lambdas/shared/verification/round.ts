import type { CheckpointStore, RoundSummary, UnresolvedKey, VerificationRecord } from '../checkpoints';
import { ChangeSet } from '../capture/change-set';
import { advanceSlot, currentLsn, flushedLsn, slotInfo, isCaptureSlot } from '../capture/slot';
import { readCaptureCatalogs, type CaptureCatalog } from '../capture/tables';
import type { MigrationConfig } from '../migration-config';
import type { Database } from '../pg/connection';
import type { ApplyProof } from './applied';
import { readChanges } from './changes';
import { TooManyChangesError } from './errors';
import { differingKeys, hashesOf } from './keyed';
import { carriedKeys, columnsOf, nextUnresolved, verifyChanges, type Findings, type VerifyContext } from './verify';

/**
 * One verification round (docs/architecture.md, "Continuous verification"). The side clients
 * write to is the primary: the source before cutover (`forward`), the target after (`reverse`).
 *
 * live (replication running):
 *  1. P = the primary's WAL position; read the primary's captured changes up to P.
 *  2. Wait until the replica has applied P (an ApplyProof: LSN or marker, never a lag metric).
 *  3. R = the replica's position, its WAL flushed; read its captured changes up to R (its own
 *     writes and the applied ones).
 *  4. Compare exactly those keys, plus every key still unresolved, on both sides by row hash;
 *     compare whole the tables that need it (a TRUNCATE, an untraceable change).
 *  5. Store the result with "verified through" (P, R, and when P was read), then advance both
 *     slots to P and R: neither keeps more than about one round of WAL. (A frozen check does not
 *     advance: the next live round does, and re-reading a few verified changes proves nothing false.)
 *  6. A key that differed is a suspect: after `settleMs` it is compared again (primary first,
 *     then, once the replica has applied the primary's position after that read, the replica),
 *     and the slots are read past P and R up to positions taken after those reads. A key that
 *     still differs and that neither side changed in that window is a proven difference: both
 *     values stood still while the replica applied everything the primary had, and they differ.
 *     One that changed is compared again in the next round (its change is after P).
 *
 * frozen (writes frozen and drained, a cutover's or rollback's final check): the same reads up
 * to each side's current position without waiting, and any key that differs is a difference.
 */

export interface RoundContext {
  readonly migration: MigrationConfig;
  readonly source: Database;
  readonly target: Database;
  readonly store: CheckpointStore;
  readonly proof: ApplyProof;
  /** Stores the record under the round's lease. */
  readonly persist: (record: VerificationRecord) => Promise<void>;
  readonly now: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface RoundInput {
  readonly record: VerificationRecord;
  readonly direction: 'forward' | 'reverse';
  readonly mode: 'live' | 'frozen';
  readonly settleMs: number;
  /** Change records read per side at most (live); a frozen check reads everything. */
  readonly maxChanges: number;
  /** Epoch ms: waits and whole-table comparisons stop by then. */
  readonly deadline: number;
  /**
   * Re-check suspects after `settleMs` (step 6). A round just before a freeze skips it: the check
   * with writes frozen compares them exactly, and every second spent here is a second of changes
   * more for it. @default true
   */
  readonly recheck?: boolean;
}

export interface RoundOutcome {
  readonly record: VerificationRecord;
  readonly summary: RoundSummary;
  /** Differences proven by this round (newly, or again). */
  readonly differences: readonly UnresolvedKey[];
  /** Keys that were unresolved before and compared equal now. */
  readonly resolved: number;
}

/** The capture is gone on one side: returns why, or undefined when both slots are there and readable. */
export async function captureProblem(record: VerificationRecord, dbs: { readonly source: Database; readonly target: Database }): Promise<string | undefined> {
  for (const side of ['source', 'target'] as const) {
    const slot = record.slots[side];
    const info = await slotInfo(dbs[side], slot.name);
    if (!info || !isCaptureSlot(info)) return `the change-capture slot "${slot.name}" no longer exists on the ${dbs[side].label}`;
    if (info.walStatus === 'lost') return `the change-capture slot "${slot.name}" on the ${dbs[side].label} lost its WAL (max_slot_wal_keep_size)`;
  }
  return undefined;
}

/** Frozen checks read everything there is: far more than a round's cap, but never unbounded in memory. */
const FROZEN_MAX_CHANGES = 5_000_000;

export async function verificationRound(ctx: RoundContext, input: RoundInput): Promise<RoundOutcome> {
  const started = ctx.now();
  const live = input.mode === 'live';
  const { source: sourceCatalog, target: targetCatalog } = await readCaptureCatalogs(ctx.source, ctx.target, ctx.migration.tables);
  const primarySide = input.direction === 'forward' ? 'source' : 'target';
  const replicaSide = primarySide === 'source' ? 'target' : 'source';
  const db = { source: ctx.source, target: ctx.target };
  const catalogs = { source: sourceCatalog, target: targetCatalog };
  const slots = input.record.slots;
  const cap = live ? input.maxChanges : FROZEN_MAX_CHANGES;

  const positionsAt = ctx.now();
  const primaryUpto = await currentLsn(db[primarySide]);
  const primary = await readChanges(db[primarySide], slots[primarySide].name, catalogs[primarySide], primaryUpto, cap);
  if (live) await ctx.proof.waitApplied(primary.reached, { deadline: Math.min(input.deadline, ctx.now() + APPLY_WAIT_MS) });
  // The replica applied P with asynchronous commits, and clients may commit asynchronously on it
  // too: flush them, or this read misses them (decoding reads flushed WAL only).
  const replicaUpto = await flushedLsn(db[replicaSide]);
  const replica = await readChanges(db[replicaSide], slots[replicaSide].name, catalogs[replicaSide], replicaUpto, cap);
  if (!live && (primary.capped || replica.capped)) {
    throw new TooManyChangesError(
      `More than ${FROZEN_MAX_CHANGES.toLocaleString('en-US')} changes wait since the last verified position: too many to verify with writes frozen. ` +
        'Let the scheduled verification rounds catch up (the VerificationAgeSeconds metric), then cut over again.',
    );
  }

  const changes = carriedKeys(input.record, sourceCatalog);
  changes.merge(primary.set);
  changes.merge(replica.set);
  const vctx: VerifyContext = { migration: ctx.migration, record: input.record, source: ctx.source, target: ctx.target, sourceCatalog, targetCatalog, store: ctx.store, now: ctx.now };
  const findings = await verifyChanges(vctx, changes, { settleMs: live ? input.settleMs : 0, deadline: input.deadline });
  const columns = await columnsOf(findings.pairs, findings.differing);
  const wasDifference = new Set(input.record.unresolved.filter((u) => u.status === 'difference').map((u) => `${u.table}\u0000${JSON.stringify(u.key)}`));
  const statusOf = (table: string, key: readonly string[]): UnresolvedKey['status'] =>
    !live || wasDifference.has(`${table}\u0000${JSON.stringify(key)}`) ? 'difference' : 'suspect';
  let unresolved = nextUnresolved(input.record.unresolved, changes, findings, columns, statusOf, ctx.now());
  const positions = { [primarySide]: primary.reached, [replicaSide]: replica.reached } as { source: string; target: string };
  const summary = (suspects: number, differences: number): RoundSummary => ({
    mode: input.mode,
    direction: input.direction,
    at: started,
    durationMs: ctx.now() - started,
    changes: { [primarySide]: primary.records, [replicaSide]: replica.records } as { source: number; target: number },
    keysVerified: findings.keysVerified,
    tablesCompared: findings.wholeTables.size,
    suspects,
    differences,
    behind: primary.capped || replica.capped,
  });
  const count = (status: UnresolvedKey['status']) => unresolved.filter((u) => u.status === status).length;
  let record: VerificationRecord = {
    ...input.record,
    unresolved,
    tablesToCompare: [...findings.wholeRemaining].map(([table, reason]) => ({
      table,
      reason,
      at: input.record.tablesToCompare.find((t) => t.table === table)?.at ?? ctx.now(),
    })),
    verifiedThrough: { ...positions, at: positionsAt },
    rounds: input.record.rounds + 1,
    lastRound: summary(count('suspect'), count('difference')),
  };
  await ctx.persist(record);
  // A frozen check leaves the slots where they are: advancing decodes the same WAL again, which
  // would lengthen the freeze; the next live round re-reads those few changes and moves them on.
  if (live) await Promise.all([advanceSlot(ctx.source, slots.source.name, positions.source), advanceSlot(ctx.target, slots.target.name, positions.target)]);

  const suspects = unresolved.filter((u) => u.status === 'suspect');
  if (live && suspects.length > 0 && input.recheck !== false) {
    unresolved = await recheck(ctx, input, { catalogs, primarySide, replicaSide, findings, unresolved, suspects });
    record = { ...record, unresolved, lastRound: summary(count('suspect'), count('difference')) };
    await ctx.persist(record);
  }
  const before = new Set(input.record.unresolved.map((u) => `${u.table}\u0000${JSON.stringify(u.key)}`));
  const after = new Set(unresolved.map((u) => `${u.table}\u0000${JSON.stringify(u.key)}`));
  return {
    record,
    summary: record.lastRound!,
    differences: unresolved.filter((u) => u.status === 'difference' && u.lastSeenAt >= started),
    resolved: [...before].filter((id) => !after.has(id)).length,
  };
}

/** The longest a live round waits for the replica to apply its position. */
const APPLY_WAIT_MS = 30_000;

interface RecheckState {
  readonly catalogs: { readonly source: CaptureCatalog; readonly target: CaptureCatalog };
  readonly primarySide: 'source' | 'target';
  readonly replicaSide: 'source' | 'target';
  readonly findings: Findings;
  readonly unresolved: readonly UnresolvedKey[];
  readonly suspects: readonly UnresolvedKey[];
}

/** Step 6: settle, compare the suspects again, and prove the ones whose rows stood still. */
async function recheck(ctx: RoundContext, input: RoundInput, s: RecheckState): Promise<UnresolvedKey[]> {
  await (ctx.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms))))(input.settleMs);
  const db = { source: ctx.source, target: ctx.target };
  const byTable = new Map<string, UnresolvedKey[]>();
  for (const u of s.suspects) byTable.set(u.table, [...(byTable.get(u.table) ?? []), u]);
  const tables = [...byTable.keys()].filter((t) => s.findings.pairs.has(t));
  const primaryHashes = new Map<string, Map<string, string>>();
  for (const table of tables) {
    const pair = s.findings.pairs.get(table)!;
    primaryHashes.set(table, await hashesOf(pair[s.primarySide], byTable.get(table)!.map((u) => u.key)));
  }
  const afterPrimaryRead = await currentLsn(db[s.primarySide]);
  await ctx.proof.waitApplied(afterPrimaryRead, { deadline: Math.min(input.deadline, ctx.now() + APPLY_WAIT_MS) });
  const stillDiffering = new Map<string, Set<string>>();
  for (const table of tables) {
    const pair = s.findings.pairs.get(table)!;
    const keys = byTable.get(table)!.map((u) => u.key);
    const replicaHashes = await hashesOf(pair[s.replicaSide], keys);
    const [source, target] = s.primarySide === 'source' ? [primaryHashes.get(table)!, replicaHashes] : [replicaHashes, primaryHashes.get(table)!];
    stillDiffering.set(table, new Set(differingKeys(keys, source, target).map((d) => JSON.stringify(d.key))));
  }
  // Everything either side committed from the round's positions up to now (the slots were just
  // advanced to them), read without advancing: did a suspect's row change while it was compared?
  const window = new ChangeSet(s.catalogs.source);
  let complete = true;
  for (const side of [s.primarySide, s.replicaSide]) {
    const upto = side === s.replicaSide ? await flushedLsn(db[side]) : await currentLsn(db[side]);
    const read = await readChanges(db[side], input.record.slots[side].name, s.catalogs[side], upto, input.maxChanges);
    window.merge(read.set);
    complete &&= !read.capped;
  }
  const out: UnresolvedKey[] = [];
  for (const u of s.unresolved) {
    if (u.status !== 'suspect' || !s.findings.pairs.has(u.table)) {
      out.push(u);
      continue;
    }
    const differs = stillDiffering.get(u.table)?.has(JSON.stringify(u.key)) ?? false;
    if (!differs) continue; // equal after settling: it was in flight
    const moved = !complete || window.has(u.table, u.key);
    out.push(moved ? u : { ...u, status: 'difference', lastSeenAt: ctx.now() });
  }
  return out;
}
