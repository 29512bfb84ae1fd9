import type { Database } from '../pg/connection';
import type { TableSelection } from '../compare/table-patterns';
import { CONFIG_DEFAULTS } from '../migration-config';
import type { ReplicationState } from '../replication/engine';
import type { BackupContext } from './checks/backups';

/**
 * A preflight check: one concern, one function, two tests (its problem planted, and absent). A
 * check reads the databases and never changes them.
 */
export type Severity = 'error' | 'warning' | 'info' | 'ok';

export type Engine = 'native' | 'dms';

export type Side = 'source' | 'target';

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
  readonly engine: Engine;
  /** The migration's table selection. */
  readonly selection: TableSelection;
  /** DMS limited LOB mode maximum, in KB (DMS engines only). @default 32 */
  readonly lobMaxSizeKb?: number;
  /** Transactions open longer than this are reported. @default 300 */
  readonly longTransactionSeconds?: number;
  /**
   * The names of the slots Ferry creates for this migration. One that exists already (a re-run)
   * is in use by Ferry, not needed a second time, and not reported as forgotten.
   * @default none known: every slot Ferry needs counts as still to be created
   */
  readonly ferrySlots?: FerrySlots;
  /**
   * Reads the state of this migration's replication from its engine. Never throws: a replication
   * that could not be read says why. @default none: the replication counts as not started (the CLI)
   */
  readonly replicationState?: () => Promise<ReplicationReading>;
  /** The databases' RDS identities and a way to ask RDS. @default none: both count as not RDS */
  readonly backups?: BackupContext;
}

/** Slot names per database: what Ferry creates there for one migration. */
export interface FerrySlots {
  readonly source: {
    /** The change-capture slot, created before the full comparison. */
    readonly capture: string;
    /** The native replication's slot (its replicationName). DMS names its own slot, so it is not known. */
    readonly replication?: string;
  };
  readonly target: {
    /** The change-capture slot, created before the full comparison. */
    readonly capture: string;
    /** The slot the reverse replication (target -> source) reads, created at cutover. */
    readonly reverse: string;
  };
}

/** The migration's replication as its engine reported it, or why it could not be read. */
export type ReplicationReading =
  | { readonly known: true; readonly state: ReplicationState }
  | { readonly known: false; readonly reason: string };

/**
 * The defaults of the optional context fields. `lobMaxSizeKb` is the migration config's own
 * (CONFIG_DEFAULTS); `longTransactionSeconds` is the preflight's: no config field sets it.
 */
export const PREFLIGHT_DEFAULTS: { readonly lobMaxSizeKb: number; readonly longTransactionSeconds: number } = {
  lobMaxSizeKb: CONFIG_DEFAULTS.lobMaxSizeKb,
  longTransactionSeconds: 300,
};

export interface PreflightCheck {
  readonly id: string;
  /** One line for README and `--help`: what it looks at. */
  readonly title: string;
  /** Engines the check applies to. @default both */
  readonly engines?: ReadonlyArray<Engine>;
  /**
   * The databases the check reads. When one of them cannot be reached, the runner does not run
   * the check and reports it as not run (the connectivity check carries the error).
   */
  readonly databases: ReadonlyArray<Side>;
  /** One result covering both databases where the check looks at both. */
  run(ctx: PreflightContext): Promise<Omit<CheckResult, 'id'>>;
}

/** What a check returns (without its id, which the runner adds). */
export type CheckOutcome = Omit<CheckResult, 'id'>;
