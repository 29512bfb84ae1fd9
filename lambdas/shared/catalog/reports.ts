import type { Phase } from '../checkpoints/phases';
import type { RoundSummary, TableToCompare, UnresolvedKey, VerifiedThrough } from '../checkpoints/verification';
import type { DataComparison } from '../compare/data/types';
import type { TableSelection } from '../compare/table-patterns';
import type { IndexPlan } from '../indexes/deferred';
import type { ComparisonSummaryReport } from '../comparison/summary';
import type { DriftReport } from '../drift/reports';
import type { DriftSnapshot } from '../drift/types';
import type { PreflightReport } from '../preflight/run-preflight';

/**
 * Every report kind Ferry stores in the checkpoint table (`REPORT#<kind>#<ts>#<suffix>`), with
 * the type of its body. The store's putReport/latestReport/listReports take a kind from here and
 * give back its type, so a writer and its readers cannot disagree about a report's shape. A new
 * kind goes into ReportCatalog, REPORT_KINDS and, when code names it, a constant below.
 *
 * Report bodies that steps write live here when no shared module owns them: a step folder never
 * imports another one, and this catalogue never imports a step.
 */

export type { ComparisonSummaryReport, DriftReport, DriftSnapshot, PreflightReport };

// ---------------------------------------------------------------------------------------------
// Report bodies without another home in lambdas/shared/

/** The `comparison` report: one compare invocation's complete result, keys of differing rows included. */
export interface ComparisonReport {
  readonly runId: string;
  readonly selection: TableSelection;
  readonly data: DataComparison;
  readonly durationMs: number;
}

/** A `verification` report: a capture that was lost, a scheduled round whose differences changed, or a frozen check that found differences. */
export type VerificationReport =
  | { readonly captureId: string; readonly status: 'lost'; readonly reason: string }
  | {
      readonly captureId: string;
      readonly verifiedThrough: VerifiedThrough | undefined;
      readonly round: RoundSummary;
      readonly differences: readonly UnresolvedKey[];
      readonly tablesToCompare: readonly TableToCompare[];
    }
  | { readonly captureId: string; readonly round: RoundSummary; readonly differences: readonly UnresolvedKey[]; readonly frozen: true };

/** One cutover guardrail's verdict (lambdas/guardrails). */
export interface GuardrailResult {
  readonly id: string;
  readonly passed: boolean;
  readonly message: string;
}

/** The `guardrails` report: every guardrail of one cutover attempt. */
export interface GuardrailsReport {
  readonly runId: string;
  readonly passed: boolean;
  readonly guardrails: readonly GuardrailResult[];
}

/** What the failure report and the notification say became of the migration's lock. */
export type LockOutcome = 'released' | 'not-held' | 'release-failed';

/** The `failure` report (lambdas/fail-run). */
export interface FailureReport {
  readonly workflow: string;
  readonly executionId: string;
  readonly runId?: string;
  readonly error: string;
  readonly cause: string;
  /** ISO-8601. */
  readonly at: string;
  /** The results the workflow had when it failed, in the order it got them (`run`, `lease`, `preflight`, ...). */
  readonly failedAfter: readonly string[];
  readonly lock: LockOutcome;
}

/** The newest `migrate-run` report says which run a migrate execution resumes. */
export interface RunPointer {
  readonly runId: string;
  /** The execution that started the run. */
  readonly executionId: string;
  /** ISO-8601. */
  readonly startedAt: string;
}

/** One manual snapshot taken before a cutover (lambdas/restore-points). */
export interface RestorePoint {
  readonly side: 'source' | 'target';
  readonly kind: 'instance' | 'cluster';
  readonly database: string;
  readonly snapshotId: string;
  readonly arn?: string;
  readonly status: string;
  readonly percentProgress?: number;
}

/** The `restore-points` report: the snapshots of a cutover run, once all are available. */
export interface RestorePointsReport {
  readonly runId: string;
  readonly points: readonly RestorePoint[];
}

/** What a finish stopped and removed (lambdas/finish). */
export interface CleanupReport {
  /** What was stopped or removed, one line each. */
  readonly removed: readonly string[];
  /** What Ferry left on purpose, with why: for the operator. */
  readonly kept: readonly string[];
}

/** The `finish` report. */
export interface FinishReport extends CleanupReport {
  readonly clientsOn: 'source' | 'target';
  readonly executionId: string;
}

/** The checkpointed list of what a finish drops (`finish-objects`), recorded before it drops anything. */
export interface FinishObjects {
  /** Oids of the forward subscription (on the target) and of the reverse one (on the source). */
  readonly forward: readonly string[];
  readonly reverse: readonly string[];
  /** DMS's forward slot on the source, once chosen. */
  readonly dmsSlot?: string;
}

/** The `finish-ignored` report: a finish request that changed nothing, and why. */
export interface FinishIgnoredReport {
  readonly executionId: string;
  readonly phase: Phase;
  readonly why: string;
}

/** The `rollback-ignored` report: a rollback trigger that changed nothing, and why. */
export interface RollbackIgnoredReport {
  readonly reason: string;
  readonly alarmName: string | null;
  readonly executionId: string;
  readonly phase: Phase;
  readonly why: string;
}

// ---------------------------------------------------------------------------------------------
// The catalogue

/** Report kind -> report body. */
export interface ReportCatalog {
  readonly preflight: PreflightReport;
  readonly comparison: ComparisonReport;
  readonly 'comparison-summary': ComparisonSummaryReport;
  readonly verification: VerificationReport;
  readonly guardrails: GuardrailsReport;
  readonly failure: FailureReport;
  readonly drift: DriftReport;
  readonly 'schema-snapshot': DriftSnapshot;
  readonly 'rollback-ignored': RollbackIgnoredReport;
  readonly finish: FinishReport;
  readonly 'finish-ignored': FinishIgnoredReport;
  readonly 'finish-objects': FinishObjects;
  readonly 'index-plan': IndexPlan;
  readonly 'restore-points': RestorePointsReport;
  readonly 'migrate-run': RunPointer;
}

export type ReportKind = keyof ReportCatalog;
export type ReportOf<K extends ReportKind> = ReportCatalog[K];

/** Every kind, with who writes it and who reads it back. */
export const REPORT_KINDS: { readonly [K in ReportKind]: string } = {
  preflight: 'preflight step: every check and its verdict; read by the operator (`ferry report`)',
  comparison: 'compare step: one invocation\'s complete result with the keys of differing rows; read by the operator',
  'comparison-summary': 'comparison-verdict step: the migration\'s comparison verdict; read by the cutover guardrails and the rehearsal',
  verification: 'continuous verification and final-compare: a lost capture, or differences found; read by the operator',
  guardrails: 'guardrails step: each cutover guardrail\'s verdict; read by the operator',
  failure: 'fail-run step: why a workflow failed and what became of the lock; read by the operator',
  drift: 'drift step: one drift check; read by the next check (what changed) and `ferry drift-report`',
  'schema-snapshot': 'drift step (action snapshot, at cutover): the target\'s schema; read by every later drift check',
  'rollback-ignored': 'rollback-plan step: a trigger that changed nothing, and why; read by the operator',
  finish: 'finish step: what the finish removed and kept; read by the operator',
  'finish-ignored': 'finish step: a finish request that changed nothing, and why; read by the operator',
  'finish-objects': 'finish step: what the cleanup drops, recorded first; read by a retried cleanup',
  'index-plan': "deferred indexes: the target's secondary indexes, recorded before they are dropped for the full load; read by the rebuild and a resumed run",
  'restore-points': 'restore-points step: the snapshots taken before a cutover; read by the operator',
  'migrate-run': 'validate-input step: the migration\'s current migrate run; read by the next migrate execution (resume)',
};

export const PREFLIGHT_REPORT_KIND = 'preflight' satisfies ReportKind;
export const COMPARISON_REPORT_KIND = 'comparison' satisfies ReportKind;
export const COMPARISON_SUMMARY_KIND = 'comparison-summary' satisfies ReportKind;
export const VERIFICATION_REPORT_KIND = 'verification' satisfies ReportKind;
export const GUARDRAILS_KIND = 'guardrails' satisfies ReportKind;
export const FAILURE_REPORT_KIND = 'failure' satisfies ReportKind;
export const DRIFT_KIND = 'drift' satisfies ReportKind;
export const SCHEMA_SNAPSHOT_KIND = 'schema-snapshot' satisfies ReportKind;
export const ROLLBACK_IGNORED_KIND = 'rollback-ignored' satisfies ReportKind;
export const FINISH_REPORT_KIND = 'finish' satisfies ReportKind;
export const FINISH_IGNORED_KIND = 'finish-ignored' satisfies ReportKind;
export const FINISH_OBJECTS_KIND = 'finish-objects' satisfies ReportKind;
export const INDEX_PLAN_KIND = 'index-plan' satisfies ReportKind;
export const RESTORE_POINTS_KIND = 'restore-points' satisfies ReportKind;
/** Report kind of the pointer to a migration's current migrate run. */
export const RUN_POINTER_KIND = 'migrate-run' satisfies ReportKind;
