import { mapWithConcurrency } from '../../concurrency';
import type { Database } from '../../pg/connection';
import { displayName, qualifiedName } from '../../pg/identifiers';
import { ALL_USER_TABLES, type TableSelection } from '../table-patterns';
import { TimeBudget } from './budget';
import { readTables } from './catalog';
import { MemoryLedger, type CompareLedger } from './ledger';
import { makeSide, type TablePair } from './pair';
import { hashMethod, pairValueExprs, sharedColumns, type HashMethod } from './row-sql';
import { compareTable, type TableRunOptions } from './table';
import type { CompareProgress, DataComparison, TableComparison, TableInfo } from './types';

export interface CompareDataOptions {
  /** Tables to compare. @default every user table */
  readonly selection?: TableSelection;
  /** Numeric scale matters (1.0 <> 1.00). @default false */
  readonly strictNumericScale?: boolean;
  /** Keys listed per table and kind; totals stay exact. @default 100 */
  readonly maxKeys?: number;
  /** Rows per segment (the unit of checkpointing and of the first hash). @default 100000 */
  readonly segmentRows?: number;
  /** A differing range this small has its keys and row hashes fetched. @default 8000 */
  readonly leafRows?: number;
  /** @default 16 */
  readonly fanout?: number;
  /** Re-check differences after this delay (replication running). @default 0 (no re-check) */
  readonly settleMs?: number;
  /** @default 1 */
  readonly recheckRounds?: number;
  /**
   * Force the row-hash method (row-sql.ts); both give the same verdicts.
   * @default 'record' when both servers are PostgreSQL 14+, else 'text'
   */
  readonly hashMethod?: HashMethod;
  /** Tables compared at once; also the connections used per database. @default 2 */
  readonly concurrency?: number;
  /**
   * Compare only this many segments of each table, chosen at random among the planned ones (a
   * spot check, e.g. a scheduled drift check): the plan is made as usual, then the draw is stored
   * in the ledger (`compare:<table>:sample:<n>`) so a resumed run compares the same segments.
   * Results count the compared segments' rows only and say how many were compared (`sampled`).
   * A table with no more segments than this is compared whole; a table without a usable key has
   * no segments and is compared whole too (a multiset comparison cannot be cut by key), with a
   * warning saying so. @default every segment
   */
  readonly segmentSample?: number;
  /** Random numbers in [0, 1) for `segmentSample`'s draw. @default Math.random */
  readonly random?: () => number;
  /** Epoch ms to stop before; unfinished work resumes from `ledger`. @default none */
  readonly deadline?: number;
  /** Progress store. @default in memory (no resume across processes) */
  readonly ledger?: CompareLedger;
  readonly onProgress?: (progress: CompareProgress) => void;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Compares the rows of every selected table: see docs/architecture.md, "Data comparison". */
export async function compareData(source: Database, target: Database, options: CompareDataOptions = {}): Promise<DataComparison> {
  const selection = options.selection ?? ALL_USER_TABLES;
  const sample = options.segmentSample;
  if (sample !== undefined && (!Number.isInteger(sample) || sample < 1)) {
    throw new RangeError(`segmentSample must be a positive integer, got ${sample}`);
  }
  const [sourceTables, targetTables] = await Promise.all([readTables(source, selection), readTables(target, selection)]);
  const targetByName = new Map(targetTables.map((t) => [displayName(t), t]));
  const sourceNames = new Set(sourceTables.map(displayName));
  const budget = new TimeBudget(options.deadline, options.now);
  const ledger = options.ledger ?? new MemoryLedger();
  const maxKeys = options.maxKeys ?? 100;
  const runOptions: TableRunOptions = {
    segmentRows: options.segmentRows ?? 100_000,
    leafRows: options.leafRows ?? 8_000,
    fanout: options.fanout ?? 16,
    maxKeys,
    // Segment records keep more keys than are shown, so a re-check can match them exactly.
    keep: Math.max(maxKeys, 1_000),
    keepLeaves: 200,
    settleMs: options.settleMs ?? 0,
    recheckRounds: options.recheckRounds ?? 1,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    ...(sample !== undefined ? { sample: { segments: sample, random: options.random ?? Math.random } } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };

  const results = await mapWithConcurrency(sourceTables, options.concurrency ?? 2, async (table) => {
    const other = targetByName.get(displayName(table));
    if (other === undefined) return absentTable(source, table, 'missing');
    const { pair, warnings } = pairUp(source, target, table, other, options);
    if (sample !== undefined && pair.source.key.length === 0) {
      warnings.push('no key to cut segments by: compared whole, not sampled');
    }
    return compareTable(pair, warnings, ledger, budget, runOptions);
  });
  const extras = await Promise.all(
    targetTables.filter((t) => !sourceNames.has(displayName(t))).map((t) => absentTable(target, t, 'extra')),
  );
  const tables = [...results, ...extras].filter((t): t is TableComparison => t !== undefined);
  const pending = sourceTables.filter((_, i) => results[i] === undefined).map(displayName);
  return { tables, complete: pending.length === 0, pending };
}

/** The key, the shared columns and what the operator should know about how the table is compared. */
export function pairUp(source: Database, target: Database, s: TableInfo, t: TableInfo, options: CompareDataOptions): { pair: TablePair; warnings: string[] } {
  const warnings: string[] = [];
  const columns = sharedColumns(s, t);
  const onlyIn = (a: TableInfo, b: TableInfo) => a.columns.filter((c) => !b.columns.some((d) => d.name === c.name)).map((c) => c.name);
  const sourceOnly = onlyIn(s, t);
  const targetOnly = onlyIn(t, s);
  if (sourceOnly.length > 0) warnings.push(`columns only in the source, not compared: ${sourceOnly.join(', ')}`);
  if (targetOnly.length > 0) warnings.push(`columns only in the target, not compared: ${targetOnly.join(', ')}`);

  const keyNames = s.key?.columns ?? [];
  const usable = keyNames.length > 0 && keyNames.every((k) => t.columns.some((c) => c.name === k));
  if (!usable) {
    warnings.push(
      s.key
        ? `the target lacks key column(s) of ${s.key.kind} ${s.key.name}; compared as a multiset of whole rows`
        : 'no primary key or unique NOT NULL key: compared as a multiset of whole rows (a changed row shows as missing + extra)',
    );
  }
  const sourceKey = usable ? keyNames.map((k) => s.columns.find((c) => c.name === k)!) : [];
  const targetKey = usable ? keyNames.map((k) => t.columns.find((c) => c.name === k)!) : [];
  const byteOrder = sourceKey.some((c, i) => c.collation !== targetKey[i]!.collation);
  if (byteOrder) {
    warnings.push('key collations differ between source and target: key ranges use byte order, which their indexes cannot serve (slower)');
  }
  const method = options.hashMethod ?? hashMethod(s.serverVersion, t.serverVersion);
  const rowSql = { strictNumericScale: options.strictNumericScale ?? false };
  const values = columns.source.map((c, i) => pairValueExprs(c, columns.target[i]!, method, rowSql));
  return {
    pair: {
      source: makeSide({ db: source, table: s, columns: columns.source, values: values.map((v) => v[0]), key: sourceKey }, byteOrder, method),
      target: makeSide({ db: target, table: t, columns: columns.target, values: values.map((v) => v[1]), key: targetKey }, byteOrder, method),
      byteOrder,
    },
    warnings,
  };
}

/** A table on one side only: every row is missing (or extra); counted, not listed. */
async function absentTable(db: Database, table: TableInfo, kind: 'missing' | 'extra'): Promise<TableComparison> {
  const started = Date.now();
  const [row] = await db.query<{ n: string }>(`select count(*)::text as n from ${qualifiedName(table)}`);
  const rows = Number(row!.n);
  return {
    table: displayName(table),
    rows: kind === 'missing' ? rows : 0,
    targetRows: kind === 'extra' ? rows : 0,
    status: 'different',
    missing: [],
    extra: [],
    changed: [],
    missingTotal: kind === 'missing' ? rows : 0,
    extraTotal: kind === 'extra' ? rows : 0,
    changedTotal: 0,
    transient: 0,
    warnings: [kind === 'missing' ? 'table missing on the target: every row is missing' : 'table only on the target: every row is extra'],
    durationMs: Date.now() - started,
  };
}
