import type { TableSelection } from '../compare/table-patterns';
import type { SchemaSnapshot, Severity } from '../compare/schema';
import type { Database } from '../pg/connection';
import type { SurfaceSnapshot } from './surface';

/**
 * Drift: what differs between the two databases of a migration (before cutover), or between the
 * target and the schema snapshot stored at cutover (after it, when the source may be gone).
 *
 * Kinds are the schema comparison's (`table-missing`, `column-type`, ...; see
 * compare/schema/kinds.ts), info-level ones included (they are differences too), the surface's
 * (functions, row level security and policies, grants, owners, partitioning: `function-definition`,
 * `table-grants`, `policy-missing`, `partition-bound`, ...; see diff-surface.ts), plus:
 * - `sequence-exhaustion`: a sequence (or identity) has used at least `exhaustionWarnPercent` of
 *   its range on one side (warning), or `exhaustionErrorPercent` (error). `object` is
 *   `sequence <schema>.<name>`; the side is the one whose value is not null. Values:
 *   `{lastValue, minValue, maxValue, percentUsed}` (64-bit values as decimal strings, percentUsed a
 *   number with two decimals, rounded down), null on the other side; `detail` says it in words.
 *   Cycling sequences never run out and are not checked.
 * - `data-rows-missing`, `data-rows-extra`, `data-rows-changed`: a table whose rows differ
 *   (error); `object` is `table <schema>.<name>`. Values: `{rows: n}` on the side that has those
 *   rows (both sides for changed), null on the other (missing: the source has n rows the target
 *   lacks). `detail` names up to 5 keys (and the differing columns of changed rows). Tables that
 *   exist on one side only are the schema's `table-missing` / `table-extra`, not reported again.
 *
 * `sequence-behind` is never reported: before cutover the target's sequences are expected to lag
 * (the cutover moves them), after it they move on their own. Nor is anything about AWS DMS's own
 * control and audit tables (`awsdms_*`, in any schema; see dms.ts).
 */
export interface DriftDifference {
  readonly kind: string;
  /** The object, as the schema comparison names it (`public.orders.total`, `table public.orders`). */
  readonly object: string;
  /** What the source (or the snapshot) has; null when absent there. */
  readonly source: unknown;
  /** What the target has; null when absent there. */
  readonly target: unknown;
  readonly severity: Severity;
  readonly detail?: string;
}

export interface DriftOptions {
  /** Tables checked (and their objects). @default every user table */
  readonly selection?: TableSelection;
  /** Data checked besides the schema. @default 'none' */
  readonly data?: 'none' | 'sample' | 'full';
  /**
   * With `sample`: segments compared per table, chosen at random among the planned ones (see
   * CompareDataOptions.segmentSample; tables without a usable key are compared whole). @default 4
   */
  readonly sampleSegments?: number;
  /** @default 80 */
  readonly exhaustionWarnPercent?: number;
  /** @default 95 */
  readonly exhaustionErrorPercent?: number;
  /** Epoch ms by which a data comparison must stop (Lambda's budget); unfinished tables are reported in `incomplete`. */
  readonly deadline?: number;
  /** Before cutover, differences in the data are re-checked after this delay (replication running). @default 0 */
  readonly settleMs?: number;
}

/**
 * The schema snapshot the cutover stores (readDriftSnapshot): the schema comparison's snapshot
 * with the surface of its tables beside it. `surface` is absent in snapshots stored before Ferry
 * read it, and in `ferry snapshot` files: the surface is then not compared (DriftResult.notes).
 */
export type DriftSnapshot = SchemaSnapshot & { readonly surface?: SurfaceSnapshot };

/** Either both databases, or the stored snapshot (source side) and the target database. */
export type DriftSides =
  | { readonly source: Database; readonly target: Database }
  | { readonly snapshot: DriftSnapshot; readonly target: Database };

/** What the data part covered. */
export interface DriftDataCoverage {
  readonly mode: 'sample' | 'full';
  /** False in snapshot-target mode: a snapshot holds no rows (`notes` says so). Not an error. */
  readonly compared: boolean;
  /** Tables whose comparison finished (those in `incomplete` are not counted). */
  readonly tables: number;
  /** Source rows compared: every row with `full`, the sampled segments' rows with `sample`. */
  readonly rows: number;
  /** Segments compared and segments planned, summed over the finished tables (`sample` only). */
  readonly segments?: { readonly compared: number; readonly planned: number };
  /** How tables were compared (`public.events: no primary key ...`) and why data was not; at most 50. */
  readonly notes: readonly string[];
}

export interface DriftResult {
  readonly mode: 'source-target' | 'snapshot-target';
  /** Sorted by object, then kind (then the values): the same drift always gives the same list. */
  readonly differences: readonly DriftDifference[];
  readonly counts: {
    readonly schema: number;
    readonly data: number;
    readonly sequences: number;
    /** Per kind. */
    readonly byKind: Readonly<Record<string, number>>;
  };
  /** Tables whose data comparison did not finish before the deadline. */
  readonly incomplete: readonly string[];
  /**
   * sha256 (hex) of the canonical JSON of the sorted differences: equal fingerprints mean an
   * unchanged result, whatever the creation order of the objects or the run. Values that move with
   * ordinary writes are left out, so a scheduled check does not see a new result at every run:
   * for `sequence-behind` and `sequence-exhaustion` only the kind, object, severity and side count
   * (an exhaustion going from warning to error changes it; a sequence advancing does not). With
   * data `sample`, the data differences depend on which segments were drawn.
   */
  readonly fingerprint: string;
  /** What the data part covered; absent when `data` is 'none'. */
  readonly data?: DriftDataCoverage;
  /** What was not compared, and why (a snapshot without the surface); absent when everything was. */
  readonly notes?: readonly string[];
}
