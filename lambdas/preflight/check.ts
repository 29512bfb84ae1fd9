import type { Database } from '../shared/pg/connection';
import type { TableSelection } from '../shared/compare/table-patterns';

/**
 * A preflight check: one concern, one function, two tests (its problem planted, and absent). A
 * check reads the databases and never changes them.
 */
export type Severity = 'error' | 'warning' | 'info' | 'ok';

export interface CheckResult {
  /** Stable kebab-case id; what an operator names to waive the check. */
  readonly id: string;
  readonly severity: Severity;
  /** What was found and what the operator should do about it. */
  readonly message: string;
  /** The objects concerned (`schema.table`, `schema.table.column`, setting names, roles...). */
  readonly objects: readonly string[];
}

export interface PreflightContext {
  readonly source: Database;
  readonly target: Database;
  /** `native` or `dms` (both DMS variants). */
  readonly engine: 'native' | 'dms';
  /** The migration's table selection. */
  readonly selection: TableSelection;
  /** DMS limited LOB mode maximum, in KB (DMS engines only). @default 32 */
  readonly lobMaxSizeKb?: number;
  /** Parallel table copies during a native initial sync (each holds a temporary slot). @default 2 */
  readonly syncWorkers?: number;
  /** Transactions open longer than this are reported. @default 300 */
  readonly longTransactionSeconds?: number;
}

export interface PreflightCheck {
  readonly id: string;
  /** One line for README and `--help`: what it looks at. */
  readonly title: string;
  /** Engines the check applies to. @default both */
  readonly engines?: ReadonlyArray<'native' | 'dms'>;
  /** One result covering both databases where the check looks at both. */
  run(ctx: PreflightContext): Promise<Omit<CheckResult, 'id'>>;
}
