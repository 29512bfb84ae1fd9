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
 * - changes are applied one transaction at a time, in commit order (no batch apply), so foreign
 *   keys and Ferry's cutover marker row see the source's order.
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
}

/** The settings document, as a plain object (serialize with JSON.stringify for a task). */
export function dmsTaskSettings(options: DmsTaskSettingsOptions): Record<string, unknown> {
  const { lobMaxSizeKb, controlSchema } = options;
  if (!Number.isInteger(lobMaxSizeKb) || lobMaxSizeKb < 1 || lobMaxSizeKb > 102_400) {
    throw new RangeError(`lobMaxSizeKb must be a whole number of KB from 1 to 102400, got ${lobMaxSizeKb}`);
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
      BatchApplyEnabled: false,
    },
    FullLoadSettings: {
      TargetTablePrepMode: 'DO_NOTHING',
      CreatePkAfterFullLoad: false,
      StopTaskCachedChangesApplied: false,
      StopTaskCachedChangesNotApplied: false,
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
