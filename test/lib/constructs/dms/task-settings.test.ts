import { describe, expect, it } from 'vitest';
import { DMS_LOG_COMPONENTS, dmsTaskSettings } from '../../../../lib/constructs/dms/task-settings';

describe('dmsTaskSettings', () => {
  const settings = dmsTaskSettings({ lobMaxSizeKb: 64, controlSchema: 'awsdms_control' }) as Record<string, any>;

  it('loads into tables created beforehand, never creating or truncating them', () => {
    // GIVEN the settings for LOBs up to 64 KB, control tables in awsdms_control
    // WHEN / THEN the full load prepares no table
    expect(settings.FullLoadSettings.TargetTablePrepMode).toBe('DO_NOTHING');
    expect(settings.TargetMetadata.TargetSchema).toBe('');
  });

  it('copies LOBs in limited LOB mode up to the configured size', () => {
    // GIVEN LOBs up to 64 KB
    // WHEN / THEN
    expect(settings.TargetMetadata).toMatchObject({ SupportLobs: true, FullLobMode: false, LimitedSizeLobMode: true, LobMaxSize: 64 });
  });

  it('logs every component to CloudWatch', () => {
    // GIVEN the settings
    // WHEN / THEN
    expect(settings.Logging.EnableLogging).toBe(true);
    expect(settings.Logging.LogComponents.map((c: { Id: string }) => c.Id)).toEqual([...DMS_LOG_COMPONENTS]);
    expect(settings.Logging.LogComponents.every((c: { Severity: string }) => c.Severity === 'LOGGER_SEVERITY_DEFAULT')).toBe(true);
  });

  it('tunes the full load with the config defaults: 8 subtasks, commits of 10000 rows, no ParallelLoadThreads', () => {
    // GIVEN the settings without tuning options
    // WHEN / THEN DMS's own defaults, written out so that a template says what runs
    expect(settings.FullLoadSettings).toMatchObject({ MaxFullLoadSubTasks: 8, CommitRate: 10_000 });
    expect(settings.TargetMetadata.ParallelLoadThreads).toBeUndefined();
  });

  it('takes the tuning from the options', () => {
    // GIVEN 16 subtasks, commits of 50000 rows and batch apply
    // WHEN
    const tuned = dmsTaskSettings({ lobMaxSizeKb: 64, controlSchema: 'awsdms_control', maxFullLoadSubTasks: 16, commitRate: 50_000, batchApply: true }) as Record<string, any>;
    // THEN
    expect(tuned.FullLoadSettings).toMatchObject({ MaxFullLoadSubTasks: 16, CommitRate: 50_000, TargetTablePrepMode: 'DO_NOTHING' });
    expect(tuned.TargetMetadata.BatchApplyEnabled).toBe(true);
  });

  it('leaves validation to Ferry and applies changes in commit order', () => {
    // GIVEN the settings
    // WHEN / THEN
    expect(settings.ValidationSettings).toEqual({ EnableValidation: false });
    expect(settings.TargetMetadata.BatchApplyEnabled).toBe(false);
  });

  it('stops the task on a data, table or apply error instead of skipping rows or suspending a table', () => {
    // GIVEN the settings
    const errors = settings.ErrorBehavior;
    for (const policy of [
      'DataErrorPolicy',
      'DataTruncationErrorPolicy',
      'DataErrorEscalationPolicy',
      'TableErrorPolicy',
      'TableErrorEscalationPolicy',
      'ApplyErrorDeletePolicy',
      'ApplyErrorInsertPolicy',
      'ApplyErrorUpdatePolicy',
      'ApplyErrorEscalationPolicy',
    ]) {
    // WHEN / THEN every error policy stops the task
      expect(errors[policy], policy).toBe('STOP_TASK');
    }
    expect(errors.FailOnNoTablesCaptured).toBe(true);
    // Only environmental errors are retried: the task resumes from its checkpoint.
    expect(errors.RecoverableErrorCount).toBe(-1);
  });

  it('keeps DMS control tables in their own schema and replicates no DDL', () => {
    // GIVEN control tables in awsdms_control
    // WHEN / THEN
    expect(settings.ControlTablesSettings.ControlSchema).toBe('awsdms_control');
    expect(settings.ChangeProcessingDdlHandlingPolicy).toEqual({
      HandleSourceTableDropped: false,
      HandleSourceTableTruncated: false,
      HandleSourceTableAltered: false,
    });
  });

  it('refuses a LOB size DMS does not accept', () => {
    // GIVEN LOBs of at most 0 KB
    // WHEN / THEN the settings are refused
    expect(() => dmsTaskSettings({ lobMaxSizeKb: 0, controlSchema: 'x' })).toThrow(
      'lobMaxSizeKb must be a whole number of KB from 1 to 102400, got 0',
    );
  });

  it('refuses a subtask count or commit rate DMS does not accept', () => {
    // GIVEN 50 subtasks (DMS allows 49), then a commit rate of 0
    // WHEN / THEN the settings are refused
    expect(() => dmsTaskSettings({ lobMaxSizeKb: 64, controlSchema: 'x', maxFullLoadSubTasks: 50 })).toThrow('maxFullLoadSubTasks must be a whole number from 1 to 49, got 50');
    expect(() => dmsTaskSettings({ lobMaxSizeKb: 64, controlSchema: 'x', commitRate: 0 })).toThrow('commitRate must be a whole number of rows from 1 to 50000, got 0');
  });
});
