import type { CheckpointStore, UnresolvedKey, VerificationRecord } from '../checkpoints';
import { compareData, pairUp } from '../compare/data/compare';
import { checkpointLedger } from '../compare/data/ledger';
import type { TablePair } from '../compare/data/pair';
import type { TableComparison, TableInfo } from '../compare/data/types';
import { ChangeSet } from '../capture/change-set';
import type { CaptureCatalog } from '../capture/tables';
import type { MigrationConfig } from '../migration-config';
import type { Database } from '../pg/connection';
import { displayName } from '../pg/identifiers';
import { compareKeys, differingColumns, type KeyDifference } from './keyed';

/**
 * Verifying a set of changed keys (and the tables that need a whole comparison) on both sides:
 * the part a live round and a frozen check share. Pure with respect to the record: it returns
 * what it found, the caller decides what that means.
 */

export interface Findings {
  /** Keys compared, by table. */
  readonly keysVerified: number;
  /** Keys that differ, per table display name. */
  readonly differing: ReadonlyMap<string, readonly KeyDifference[]>;
  /** Whole tables compared, and their result; a table missing here (time ran out) stays to do. */
  readonly wholeTables: ReadonlyMap<string, TableComparison>;
  /** Tables that could not be paired (missing on one side): they go to a whole comparison. */
  readonly unpaired: ReadonlyMap<string, string>;
  /** Tables still to compare whole after this round (unfinished, or new). */
  readonly wholeRemaining: ReadonlyMap<string, string>;
  readonly pairs: ReadonlyMap<string, TablePair>;
}

export interface VerifyContext {
  readonly migration: MigrationConfig;
  readonly record: VerificationRecord;
  readonly source: Database;
  readonly target: Database;
  readonly sourceCatalog: CaptureCatalog;
  readonly targetCatalog: CaptureCatalog;
  readonly store: CheckpointStore;
  readonly now: () => number;
}

/** Every key of the unresolved list, as a change set (they are compared again until they are equal). */
export function carriedKeys(record: VerificationRecord, catalog: CaptureCatalog): ChangeSet {
  const set = new ChangeSet(catalog);
  for (const u of record.unresolved) set.addKey(u.table, JSON.stringify(u.key), u.key);
  for (const t of record.tablesToCompare) set.wholeTables.set(t.table, t.reason);
  return set;
}

/** Pairs of the tables that have keys to verify, by display name; those that cannot be paired are reported. */
function pairTables(ctx: VerifyContext, names: Iterable<string>): { pairs: Map<string, TablePair>; unpaired: Map<string, string> } {
  const byName = (tables: readonly TableInfo[]) => new Map(tables.map((t) => [displayName(t), t]));
  const sources = byName(ctx.sourceCatalog.tables);
  const targets = byName(ctx.targetCatalog.tables);
  const pairs = new Map<string, TablePair>();
  const unpaired = new Map<string, string>();
  for (const name of names) {
    const s = sources.get(name);
    const t = targets.get(name);
    if (!s || !t) {
      unpaired.set(name, `the table is missing on the ${s ? 'target' : 'source'}`);
      continue;
    }
    const { pair } = pairUp(ctx.source, ctx.target, s, t, {});
    if (pair.source.key.length === 0) unpaired.set(name, 'the table has no key on both sides (compared as a multiset of rows)');
    else pairs.set(name, pair);
  }
  return { pairs, unpaired };
}

export interface VerifyOptions {
  /** Re-check delay of whole-table comparisons (0 with writes frozen). */
  readonly settleMs: number;
  /** Epoch ms: whole-table comparisons stop by then and resume in a later round. */
  readonly deadline: number;
}

/** Compares `changes`' keys on both sides, and the tables listed for a whole comparison. */
export async function verifyChanges(ctx: VerifyContext, changes: ChangeSet, options: VerifyOptions): Promise<Findings> {
  const whole = new Map(changes.wholeTables);
  const { pairs, unpaired } = pairTables(ctx, [...changes.keys.keys()].filter((t) => !whole.has(t)));
  for (const [table, why] of unpaired) whole.set(table, why);
  const differing = new Map<string, KeyDifference[]>();
  let keysVerified = 0;
  for (const [table, pair] of pairs) {
    const keys = [...changes.keys.get(table)!.values()];
    keysVerified += keys.length;
    const found = await compareKeys(pair, keys);
    if (found.length > 0) differing.set(table, found);
  }
  const wholeTables = new Map<string, TableComparison>();
  const wholeRemaining = new Map<string, string>();
  for (const [table, why] of whole) {
    const entry = ctx.record.tablesToCompare.find((t) => t.table === table);
    const [schema, ...rest] = splitDisplayName(table, ctx);
    const result = await compareData(ctx.source, ctx.target, {
      selection: { ...ctx.migration.tables, only: [{ schema: schema!, name: rest.join('.') }] },
      settleMs: options.settleMs,
      deadline: options.deadline,
      ledger: checkpointLedger(ctx.store, `verify:${ctx.record.captureId}:${table}:${entry?.at ?? ctx.now()}`),
      now: ctx.now,
    });
    const compared = result.tables.find((t) => t.table === table);
    if (!result.complete || !compared) {
      wholeRemaining.set(table, why);
      continue;
    }
    wholeTables.set(table, compared);
    // Differences that are all listed by key are followed key by key from now on (cheap); more
    // than are listed, or a table without a key, is compared whole again in the next round.
    const listed = compared.missing.length + compared.extra.length + compared.changed.length;
    const total = compared.missingTotal + compared.extraTotal + compared.changedTotal;
    const keyed = pairs.has(table) || ctx.sourceCatalog.tables.some((t) => displayName(t) === table && t.key !== undefined);
    if (compared.status === 'different' && (listed < total || !keyed)) {
      wholeRemaining.set(table, `compared whole: ${compared.missingTotal} missing, ${compared.extraTotal} extra, ${compared.changedTotal} changed on the target`);
    }
  }
  return { keysVerified, differing, wholeTables, unpaired, wholeRemaining, pairs };
}

/** `schema.table` back into its parts, using the catalogs (a name may hold dots). */
function splitDisplayName(table: string, ctx: VerifyContext): string[] {
  const info = [...ctx.sourceCatalog.tables, ...ctx.targetCatalog.tables].find((t) => displayName(t) === table);
  if (info) return [info.schema, info.name];
  const dot = table.indexOf('.');
  return [table.slice(0, dot), table.slice(dot + 1)];
}

/** Named columns of the changed keys (for reports), by key JSON. */
export async function columnsOf(pairs: ReadonlyMap<string, TablePair>, differing: ReadonlyMap<string, readonly KeyDifference[]>): Promise<Map<string, Map<string, string[]>>> {
  const out = new Map<string, Map<string, string[]>>();
  for (const [table, diffs] of differing) {
    const pair = pairs.get(table);
    const changed = diffs.filter((d) => d.kind === 'changed').map((d) => d.key);
    out.set(table, pair && changed.length > 0 ? await differingColumns(pair, changed) : new Map());
  }
  return out;
}

/** The unresolved list after a round: equal keys gone, differing ones kept with `status`. Whole-table differences are listed by key too. */
export function nextUnresolved(
  previous: readonly UnresolvedKey[],
  verified: ChangeSet,
  findings: Findings,
  columns: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>,
  status: (table: string, key: readonly string[]) => UnresolvedKey['status'],
  now: number,
): UnresolvedKey[] {
  const before = new Map(previous.map((u) => [`${u.table}\u0000${JSON.stringify(u.key)}`, u]));
  const out = new Map<string, UnresolvedKey>();
  // Kept: earlier entries of tables this round did not get to (a whole comparison still to finish).
  for (const [id, u] of before) {
    const comparedWhole = findings.wholeTables.has(u.table);
    const comparedKey = !verified.wholeTables.has(u.table) && (verified.keys.get(u.table)?.has(JSON.stringify(u.key)) ?? false);
    if (!comparedWhole && !comparedKey) out.set(id, u);
  }
  const put = (table: string, key: readonly string[], kind: UnresolvedKey['kind'], cols: readonly string[], settled: boolean) => {
    const id = `${table}\u0000${JSON.stringify(key)}`;
    const old = before.get(id);
    out.set(id, { table, key, kind, columns: cols, status: settled ? 'difference' : status(table, key), firstSeenAt: old?.firstSeenAt ?? now, lastSeenAt: now });
  };
  for (const [table, diffs] of findings.differing) {
    for (const d of diffs) put(table, d.key, d.kind, columns.get(table)?.get(JSON.stringify(d.key)) ?? [], false);
  }
  for (const [table, result] of findings.wholeTables) {
    if (result.status !== 'different') continue;
    const keyOf = (k: Record<string, unknown>) => Object.values(k).map(String);
    // A whole comparison re-checks its differences after the settle delay itself: they are settled.
    for (const k of result.missing) put(table, keyOf(k), 'missing', [], true);
    for (const k of result.extra) put(table, keyOf(k), 'extra', [], true);
    for (const c of result.changed) put(table, keyOf(c.key), 'changed', c.columns, true);
  }
  return [...out.values()];
}
