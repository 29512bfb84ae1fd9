import { diffRange, diffTotal, emptyDiff, mergeInto, type BisectOptions, type RangeDiff } from './bisect';
import type { TablePair } from './pair';
import type { KeyRange } from './row-sql';

/**
 * While replication runs, a row can differ only because its change is still in flight. After a
 * settle delay the differing ranges are compared again, and a difference is kept only if its key
 * differs again (in whichever way it differs now). The rest are counted as transient.
 *
 * Exactness needs the first pass's full key lists; where a list was capped, every difference
 * found again is kept (we never hide a difference we cannot prove transient).
 */
export interface RecheckResult {
  readonly diff: RangeDiff;
  readonly transient: number;
}

export async function recheckSegment(pair: TablePair, segment: KeyRange, first: RangeDiff, options: BisectOptions): Promise<RecheckResult> {
  const ranges = first.leaves ?? [segment];
  const again = emptyDiff(first.sourceRows, first.targetRows);
  for (const range of ranges) mergeInto(again, await diffRange(pair, range, options), options);
  const complete = (['missing', 'extra', 'changed'] as const).every((l) => first[l].length === first[`${l}Total`]);
  if (!complete) return { diff: again, transient: Math.max(0, diffTotal(first) - diffTotal(again)) };

  const seen = new Set([...first.missing, ...first.extra, ...first.changed].map((k) => JSON.stringify(k)));
  const kept = emptyDiff(first.sourceRows, first.targetRows);
  kept.leaves = again.leaves;
  for (const list of ['missing', 'extra', 'changed'] as const) {
    for (const key of again[list]) {
      if (!seen.has(JSON.stringify(key))) continue;
      kept[list].push(key);
      kept[`${list}Total`]++;
    }
    // Keys found again beyond the kept list cannot be matched; keep them (see above).
    kept[`${list}Total`] += again[`${list}Total`] - again[list].length;
  }
  return { diff: kept, transient: Math.max(0, diffTotal(first) - diffTotal(kept)) };
}
