import { displayName } from '../../pg/identifiers';
import { diffRange, diffTotal, type BisectOptions, type RangeDiff } from './bisect';
import type { TimeBudget } from './budget';
import { diffMultiset, rowsWithHash, type MultisetDiff } from './keyless';
import type { CompareLedger } from './ledger';
import { columnHashes, type TablePair } from './pair';
import { planSegments } from './plan';
import { recheckSegment } from './recheck';
import type { KeyRange } from './row-sql';
import type { ChangedRow, CompareProgress, KeyObject, TableComparison } from './types';

export interface TableRunOptions extends BisectOptions {
  /** Rows per segment, the unit of checkpointing. */
  readonly segmentRows: number;
  /** Lists in the result hold at most this many keys. */
  readonly maxKeys: number;
  /** Wait this long, then compare differing ranges again. 0: no re-check. */
  readonly settleMs: number;
  readonly recheckRounds: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly onProgress?: (progress: CompareProgress) => void;
  /** Compare only this many of the planned segments, drawn with `random`. */
  readonly sample?: { readonly segments: number; readonly random: () => number };
}

/** Either the finished comparison, or undefined when the budget ran out (progress is kept). */
export async function compareTable(
  pair: TablePair,
  warnings: readonly string[],
  ledger: CompareLedger,
  budget: TimeBudget,
  options: TableRunOptions,
): Promise<TableComparison | undefined> {
  const name = displayName(pair.source.table);
  const started = budget.clock();
  if (pair.source.key.length === 0) {
    if (budget.exhausted()) return undefined;
    return ledger.runStep(`compare:${name}:result`, () => budget.measure(() => compareKeyless(pair, warnings, options, started, budget)));
  }

  const larger = pair.source.table.estimatedRows >= pair.target.table.estimatedRows ? pair.source : pair.target;
  const cuts = await ledger.runStep(`compare:${name}:plan`, () => planSegments(larger, options.segmentRows));
  const ranges = segmentRanges(cuts);
  const sample = options.sample;
  const chosen = sample
    ? await ledger.runStep(`compare:${name}:sample:${sample.segments}`, async () => drawSegments(ranges.length, sample.segments, sample.random))
    : ranges.map((_, n) => n);
  const done = (await ledger.listSegments(name)) as Map<number, RangeDiff>;
  const doneCount = () => chosen.filter((n) => done.has(n)).length;
  const report = () =>
    options.onProgress?.({ table: name, segmentsDone: doneCount(), segmentsTotal: chosen.length, rowsDone: sumRows(done, chosen) });
  report();
  for (const n of chosen) {
    if (done.has(n)) continue;
    if (budget.exhausted()) return undefined;
    const diff = await budget.measure(() => diffRange(pair, ranges[n]!, options));
    await ledger.putSegment(name, n, diff);
    done.set(n, diff);
    report();
  }
  if (budget.exhausted(options.settleMs * options.recheckRounds)) return undefined;
  return ledger.runStep(`compare:${name}:result`, () => finishKeyed(pair, ranges, chosen, done, warnings, options, started, budget));
}

/**
 * `count` distinct segment numbers out of `total`, uniformly at random (a partial Fisher-Yates
 * shuffle), in ascending order; every segment when `count` covers them all.
 */
export function drawSegments(total: number, count: number, random: () => number): number[] {
  const numbers = Array.from({ length: total }, (_, n) => n);
  if (count >= total) return numbers;
  for (let i = 0; i < count; i++) {
    const j = i + Math.min(total - i - 1, Math.floor(random() * (total - i)));
    [numbers[i], numbers[j]] = [numbers[j]!, numbers[i]!];
  }
  return numbers.slice(0, count).sort((a, b) => a - b);
}

function segmentRanges(cuts: readonly string[][]): KeyRange[] {
  const bounds = [undefined, ...cuts, undefined];
  return bounds.slice(0, -1).map((lo, i) => ({ ...(lo ? { lo } : {}), ...(bounds[i + 1] ? { hi: bounds[i + 1] } : {}) }));
}

function sumRows(done: Map<number, RangeDiff>, chosen: readonly number[]): number {
  let rows = 0;
  for (const n of chosen) rows += done.get(n)?.sourceRows ?? 0;
  return rows;
}

async function finishKeyed(
  pair: TablePair,
  ranges: readonly KeyRange[],
  chosen: readonly number[],
  done: Map<number, RangeDiff>,
  warnings: readonly string[],
  options: TableRunOptions,
  started: number,
  budget: TimeBudget,
): Promise<TableComparison> {
  const segments = chosen.map((n) => done.get(n)!);
  let transient = 0;
  for (let round = 0; round < options.recheckRounds && options.settleMs > 0; round++) {
    const differing = segments.map((d, i) => [d, i] as const).filter(([d]) => diffTotal(d) > 0);
    if (differing.length === 0) break;
    await options.sleep(options.settleMs);
    for (const [first, i] of differing) {
      const { diff, transient: gone } = await recheckSegment(pair, ranges[chosen[i]!]!, first, options);
      segments[i] = diff;
      transient += gone;
    }
  }
  const all = (list: 'missing' | 'extra' | 'changed') => segments.flatMap((d) => d[list]).slice(0, options.maxKeys);
  const total = (list: 'missingTotal' | 'extraTotal' | 'changedTotal') => segments.reduce((acc, d) => acc + d[list], 0);
  const changedKeys = all('changed');
  const changed = await namedChanges(pair, changedKeys);
  const differences = total('missingTotal') + total('extraTotal') + total('changedTotal');
  return {
    table: displayName(pair.source.table),
    rows: segments.reduce((acc, d) => acc + d.sourceRows, 0),
    targetRows: segments.reduce((acc, d) => acc + d.targetRows, 0),
    status: differences > 0 ? 'different' : warnings.length > 0 ? 'warning' : 'equal',
    missing: all('missing').map((k) => keyObject(pair, k)),
    extra: all('extra').map((k) => keyObject(pair, k)),
    changed,
    missingTotal: total('missingTotal'),
    extraTotal: total('extraTotal'),
    changedTotal: total('changedTotal'),
    transient,
    warnings,
    durationMs: budget.elapsedSince(started),
    ...(options.sample ? { sampled: { segments: chosen.length, of: ranges.length } } : {}),
  };
}

/** Which columns differ, for each changed row shown. */
async function namedChanges(pair: TablePair, keys: readonly string[][]): Promise<ChangedRow[]> {
  const [s, t] = await Promise.all([columnHashes(pair.source, keys), columnHashes(pair.target, keys)]);
  return keys.map((key) => {
    const id = JSON.stringify(key);
    const a = s.get(id);
    const b = t.get(id);
    // A row that vanished on one side since (replication moved on) shows no column.
    const columns = a && b ? pair.source.columns.filter((_, i) => a[i] !== b[i]).map((c) => c.name) : [];
    return { key: keyObject(pair, key), columns };
  });
}

function keyObject(pair: TablePair, key: readonly string[]): KeyObject {
  const out: KeyObject = {};
  pair.source.key.forEach((column, i) => {
    const text = key[i]!;
    out[column.name] = column.integer && Number.isSafeInteger(Number(text)) ? Number(text) : text;
  });
  return out;
}

async function compareKeyless(
  pair: TablePair,
  warnings: readonly string[],
  options: TableRunOptions,
  started: number,
  budget: TimeBudget,
): Promise<TableComparison> {
  let diff = await diffMultiset(pair);
  let transient = 0;
  for (let round = 0; round < options.recheckRounds && options.settleMs > 0 && diff.missingTotal + diff.extraTotal > 0; round++) {
    await options.sleep(options.settleMs);
    const again = await diffMultiset(pair);
    const kept = intersectMultiset(diff, again);
    transient += diff.missingTotal + diff.extraTotal - (kept.missingTotal + kept.extraTotal);
    diff = kept;
  }
  const name = displayName(pair.source.table);
  options.onProgress?.({ table: name, segmentsDone: 1, segmentsTotal: 1, rowsDone: diff.sourceRows });
  return {
    table: name,
    rows: diff.sourceRows,
    targetRows: diff.targetRows,
    status: diff.missingTotal + diff.extraTotal > 0 ? 'different' : 'warning',
    missing: await sampleRows(pair.source, diff.missing, options.maxKeys),
    extra: await sampleRows(pair.target, diff.extra, options.maxKeys),
    changed: [],
    missingTotal: diff.missingTotal,
    extraTotal: diff.extraTotal,
    changedTotal: 0,
    transient,
    warnings,
    durationMs: budget.elapsedSince(started),
    ...(options.sample ? { sampled: { segments: 1, of: 1 } } : {}),
  };
}

function intersectMultiset(first: MultisetDiff, again: MultisetDiff): MultisetDiff {
  const out: MultisetDiff = { ...again, missing: {}, extra: {}, missingTotal: 0, extraTotal: 0 };
  for (const list of ['missing', 'extra'] as const) {
    for (const [hash, n] of Object.entries(again[list])) {
      const kept = Math.min(n, first[list][hash] ?? 0);
      if (kept === 0) continue;
      out[list][hash] = kept;
      out[`${list}Total`] += kept;
    }
  }
  return out;
}

async function sampleRows(side: TablePair['source'], counts: Record<string, number>, limit: number): Promise<KeyObject[]> {
  const out: KeyObject[] = [];
  for (const [hash, n] of Object.entries(counts)) {
    if (out.length >= limit) break;
    for (const row of await rowsWithHash(side, hash, Math.min(n, limit - out.length))) out.push(row as KeyObject);
  }
  return out;
}
