import { aggregatePair, keyedHashes, splitKeys, type Aggregate, type TablePair } from './pair';
import type { KeyRange } from './row-sql';

/**
 * Finds the differing rows of a key range. Both databases hash the range; if count and hash sum
 * agree the range is equal (only two numbers crossed the network). Otherwise the range is cut in
 * `fanout` pieces of equal size (by the side with more rows) and each piece is compared again,
 * until a piece holds at most `leafRows` rows; then its keys and row hashes are fetched from both
 * sides and matched in memory, naming each missing, extra and changed row.
 */
export interface BisectOptions {
  /** Largest range whose keys and hashes are fetched. */
  readonly leafRows: number;
  /** Pieces a differing range is cut into. */
  readonly fanout: number;
  /** Keys kept per list (the totals are always exact). */
  readonly keep: number;
  /** Leaf ranges kept for the re-check; past this the whole range is re-checked. */
  readonly keepLeaves: number;
}

export interface RangeDiff {
  sourceRows: number;
  targetRows: number;
  /** Keys (as normalized text, key-column order) present in source only. */
  missing: string[][];
  /** Present in target only. */
  extra: string[][];
  /** Present on both sides with different values. */
  changed: string[][];
  missingTotal: number;
  extraTotal: number;
  changedTotal: number;
  /** The leaf ranges in which differences were found; undefined when there were too many. */
  leaves: KeyRange[] | undefined;
}

export function emptyDiff(sourceRows = 0, targetRows = 0): RangeDiff {
  return { sourceRows, targetRows, missing: [], extra: [], changed: [], missingTotal: 0, extraTotal: 0, changedTotal: 0, leaves: [] };
}

export function diffTotal(d: RangeDiff): number {
  return d.missingTotal + d.extraTotal + d.changedTotal;
}

/** Deep enough for any table: each level divides the rows by `fanout`. */
const MAX_DEPTH = 40;

export async function diffRange(
  pair: TablePair,
  range: KeyRange,
  options: BisectOptions,
  known?: [Aggregate, Aggregate],
  depth = 0,
): Promise<RangeDiff> {
  const [s, t] = known ?? (await aggregatePair(pair, range));
  if (s.rows === t.rows && s.sum === t.sum) return emptyDiff(s.rows, t.rows);
  const larger = Math.max(s.rows, t.rows);
  if (larger <= options.leafRows || depth >= MAX_DEPTH) return leafDiff(pair, range, options);

  const splitter = s.rows >= t.rows ? pair.source : pair.target;
  const cuts = await splitKeys(splitter, range, larger, options.fanout, pair.byteOrder);
  if (cuts.length === 0) return leafDiff(pair, range, options);
  const bounds = [range.lo, ...cuts, range.hi];
  const result = emptyDiff(s.rows, t.rows);
  for (let i = 0; i + 1 < bounds.length; i++) {
    const piece: KeyRange = { ...(bounds[i] ? { lo: bounds[i] } : {}), ...(bounds[i + 1] ? { hi: bounds[i + 1] } : {}) };
    mergeInto(result, await diffRange(pair, piece, options, undefined, depth + 1), options);
  }
  return result;
}

async function leafDiff(pair: TablePair, range: KeyRange, options: BisectOptions): Promise<RangeDiff> {
  const [source, target] = await Promise.all([
    keyedHashes(pair.source, range, pair.byteOrder),
    keyedHashes(pair.target, range, pair.byteOrder),
  ]);
  const diff = emptyDiff(source.size, target.size);
  for (const [id, row] of source) {
    const other = target.get(id);
    if (other === undefined) push(diff, 'missing', row.key, options.keep);
    else if (other.hash !== row.hash) push(diff, 'changed', row.key, options.keep);
  }
  for (const [id, row] of target) {
    if (!source.has(id)) push(diff, 'extra', row.key, options.keep);
  }
  diff.leaves = diffTotal(diff) > 0 ? [range] : [];
  return diff;
}

function push(diff: RangeDiff, list: 'missing' | 'extra' | 'changed', key: string[], keep: number): void {
  diff[`${list}Total`]++;
  if (diff[list].length < keep) diff[list].push(key);
}

/** Adds `part`'s differences (not its row counts: the caller already has those). */
export function mergeInto(into: RangeDiff, part: RangeDiff, options: Pick<BisectOptions, 'keep' | 'keepLeaves'>): void {
  for (const list of ['missing', 'extra', 'changed'] as const) {
    into[`${list}Total`] += part[`${list}Total`];
    for (const key of part[list]) if (into[list].length < options.keep) into[list].push(key);
  }
  if (into.leaves === undefined || part.leaves === undefined) into.leaves = undefined;
  else {
    into.leaves.push(...part.leaves);
    if (into.leaves.length > options.keepLeaves) into.leaves = undefined;
  }
}
