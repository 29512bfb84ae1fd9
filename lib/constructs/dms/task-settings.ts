import { CONFIG_DEFAULTS } from '../../../lambdas/shared/migration-config';

/**
 * DMS task settings (a replication instance task's `ReplicationTaskSettings`, a DMS Serverless
 * config's `ReplicationSettings`): the same document for both directions and both kinds.
 *
 * Ferry proves the move by comparing the databases itself, so DMS is set up to copy exactly or
 * to stop, never to carry on past a problem:
 * - the target schema exists before the load (created and checked by the operator and
 *   preflight), so DMS neither creates nor truncates tables (`TargetTablePrepMode: DO_NOTHING`);
 * - LOBs are copied in limited LOB mode up to the configured size; a larger value fails the task
 *   rather than being truncated (that half is the source endpoint's `FailTasksOnLobTruncation`);
 * - a data, table or apply error stops the task instead of being logged and skipped, or the
 *   table being suspended while the task looks healthy; only environmental errors (a dropped
 *   connection) are retried, which resumes from the task's checkpoint and loses nothing;
 * - DMS validation is off: it would re-read both databases, and Ferry's comparison does that job;
 * - DDL is not replicated: schema changes go to both sides deliberately, and drift is reported;
 * - changes are applied one transaction at a time, in commit order (no batch apply, unless
 *   `fullLoad.dms.batchApply` asks for it), so foreign keys and Ferry's cutover marker row see the
 *   source's order.
 *
 * Full-load tuning (`fullLoad.dms` in the migration config, DMS user guide "Full-load task
 * settings" and "Target metadata task settings"):
 * - `MaxFullLoadSubTasks` (default 8, DMS's own default; 1-49): how many tables, or parallel-load
 *   segments of a large table (lambdas/shared/replication/dms/parallel-load.ts), DMS loads at
 *   once. Each subtask reads the source and writes the target, so this is also how much load the
 *   copy puts on both databases; 8 keeps a production source responsive while still loading a
 *   large table's 4 ranges (`fullLoad.rangesPerTable`) next to other tables.
 * - `CommitRate` (default 10000, DMS's own default; at most 50000): how many rows (events) DMS
 *   transfers together during the full load. Larger batches mean fewer round trips and more
 *   memory on the replication instance per subtask; the default is the one DMS is documented and
 *   commonly run with.
 * - `BatchApplyEnabled` (default false, DMS's own default): with false, CDC applies each source
 *   transaction as one target transaction, in commit order, which is what Ferry's cutover drain
 *   proof relies on (the marker row arrives after every change committed before it). With true,
 *   DMS gathers changes for `BatchApplyTimeoutMin`..`Max` seconds and applies their net effect per
 *   table: faster under heavy writes, but the target no longer sees the source's transactions,
 *   and the DMS guide lists further conditions: every table needs a primary key or unique key (a
 *   table without one gets batched inserts only), a target table with both a primary key and a
 *   unique constraint is not supported, LOB columns work only in limited LOB mode (which Ferry
 *   uses), and a data error, under the default error policies, switches the task to one-by-one
 *   apply for the remaining tables (Ferry's STOP_TASK policies stop it instead).
 * - `ParallelLoadThreads` is left unset: the DMS guide documents it (with `ParallelLoadBufferSize`)
 *   for targets such as DynamoDB, Kinesis, Kafka and OpenSearch, not for a PostgreSQL target, which
 *   loads a large table in parallel through parallel-load segments, each one subtask counted
 *   against `MaxFullLoadSubTasks`.
 */

/** DMS task log components, each logged at DMS's default (informational) level. */
export const DMS_LOG_COMPONENTS = ['SOURCE_UNLOAD', 'SOURCE_CAPTURE', 'TARGET_LOAD', 'TARGET_APPLY', 'TASK_MANAGER'] as const;

export interface DmsTaskSettingsOptions {
  /** Largest LOB copied, in KB (limited LOB mode). */
  readonly lobMaxSizeKb: number;
  /**
   * Schema on the target that holds DMS's control tables (`awsdms_apply_exceptions`), kept out of
   * the application's schemas so that comparisons do not see them.
   */
  readonly controlSchema: string;
  /**
   * `FullLoadSettings.MaxFullLoadSubTasks`: tables, or parallel-load segments, loaded at once (1-49).
   * @default 8 (`fullLoad.dms.maxFullLoadSubTasks`)
   */
  readonly maxFullLoadSubTasks?: number;
  /**
   * `FullLoadSettings.CommitRate`: rows transferred together during the full load (1-50000).
   * @default 10000 (`fullLoad.dms.commitRate`)
   */
  readonly commitRate?: number;
  /**
   * `TargetMetadata.BatchApplyEnabled`: CDC applies batches instead of one source transaction at a time.
   * @default false (`fullLoad.dms.batchApply`)
   */
  readonly batchApply?: boolean;
}

/** The full-load tuning defaults are the migration config's own (`fullLoad.dms`). */
const DEFAULTS = CONFIG_DEFAULTS.fullLoad.dms;

/** The settings document, as a plain object (serialize with JSON.stringify for a task). */
export function dmsTaskSettings(options: DmsTaskSettingsOptions): Record<string, unknown> {
  const { lobMaxSizeKb, controlSchema } = options;
  const maxFullLoadSubTasks = options.maxFullLoadSubTasks ?? DEFAULTS.maxFullLoadSubTasks;
  const commitRate = options.commitRate ?? DEFAULTS.commitRate;
  const batchApply = options.batchApply ?? DEFAULTS.batchApply;
  if (!Number.isInteger(lobMaxSizeKb) || lobMaxSizeKb < 1 || lobMaxSizeKb > 102_400) {
    throw new RangeError(`lobMaxSizeKb must be a whole number of KB from 1 to 102400, got ${lobMaxSizeKb}`);
  }
  if (!Number.isInteger(maxFullLoadSubTasks) || maxFullLoadSubTasks < 1 || maxFullLoadSubTasks > 49) {
    throw new RangeError(`maxFullLoadSubTasks must be a whole number from 1 to 49, got ${maxFullLoadSubTasks}`);
  }
  if (!Number.isInteger(commitRate) || commitRate < 1 || commitRate > 50_000) {
    throw new RangeError(`commitRate must be a whole number of rows from 1 to 50000, got ${commitRate}`);
  }
  return {
    TargetMetadata: {
      // Empty: each table goes to the schema of the same name on the target.
      TargetSchema: '',
      SupportLobs: true,
      FullLobMode: false,
      LobChunkSize: 0,
      LimitedSizeLobMode: true,
      LobMaxSize: lobMaxSizeKb,
      InlineLobMaxSize: 0,
      BatchApplyEnabled: batchApply,
    },
    FullLoadSettings: {
      TargetTablePrepMode: 'DO_NOTHING',
      CreatePkAfterFullLoad: false,
      StopTaskCachedChangesApplied: false,
      StopTaskCachedChangesNotApplied: false,
      MaxFullLoadSubTasks: maxFullLoadSubTasks,
      CommitRate: commitRate,
    },
    Logging: {
      EnableLogging: true,
      LogComponents: DMS_LOG_COMPONENTS.map((Id) => ({ Id, Severity: 'LOGGER_SEVERITY_DEFAULT' })),
    },
    ValidationSettings: { EnableValidation: false },
    ControlTablesSettings: {
      ControlSchema: controlSchema,
      HistoryTableEnabled: false,
      SuspendedTablesTableEnabled: false,
      StatusTableEnabled: false,
    },
    ChangeProcessingDdlHandlingPolicy: {
      HandleSourceTableDropped: false,
      HandleSourceTableTruncated: false,
      HandleSourceTableAltered: false,
    },
    ErrorBehavior: {
      DataErrorPolicy: 'STOP_TASK',
      DataTruncationErrorPolicy: 'STOP_TASK',
      DataErrorEscalationPolicy: 'STOP_TASK',
      DataErrorEscalationCount: 0,
      TableErrorPolicy: 'STOP_TASK',
      TableErrorEscalationPolicy: 'STOP_TASK',
      TableErrorEscalationCount: 0,
      ApplyErrorDeletePolicy: 'STOP_TASK',
      ApplyErrorInsertPolicy: 'STOP_TASK',
      ApplyErrorUpdatePolicy: 'STOP_TASK',
      ApplyErrorEscalationPolicy: 'STOP_TASK',
      ApplyErrorEscalationCount: 0,
      // A selection that matches no table is a configuration mistake, not an empty migration.
      FailOnNoTablesCaptured: true,
      // Environmental errors (network, failover) are retried with back-off; the task resumes
      // from its checkpoint, so a retry copies nothing twice and skips nothing.
      RecoverableErrorCount: -1,
      RecoverableErrorInterval: 5,
      RecoverableErrorThrottling: true,
      RecoverableErrorThrottlingMax: 1800,
    },
  };
}
