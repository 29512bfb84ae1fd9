import { acquireLock, catchAll, catcher, releaseLock, task, type Definition, validateInput } from './asl';

/** statemachines/rollback.asl.json: run `npm run workflows:generate` after changing it. */
export const rollback: Definition = {
  Comment: "Ferry rollback: started by a rollback alarm or from the console with a reason. After cutover: freeze the target, prove the drain back to the source, move sequences, switch the clients back, thaw the source ('rolled-back'). Before cutover: stop replication and thaw the source ('aborted'). A cutover that ended half-way is backed out ('ready'). A trigger that finds nothing to do, or another workflow running, changes nothing and is recorded.",
  StartAt: 'Validate the input',
  TimeoutSeconds: 3600,
  States: {
    'Validate the input': validateInput('rollback', 'Acquire the migration lock'),
    'Acquire the migration lock': acquireLock('Decide what to roll back', [catcher(['LockHeldError'], 'Record the ignored trigger'), ...catchAll('Report the failure')]),
    'Record the ignored trigger': task('RollbackPlan', {
      Parameters: {
        action: 'ignore',
        'trigger.$': '$.run.trigger',
        'why.$': "States.Format('another workflow holds the migration lock, so this rollback did nothing: {}', $.error.Cause)",
      },
      ResultPath: '$.decision',
      Catch: catchAll('Rollback failed without a report', '$.ignoreError'),
      Next: 'Nothing to roll back',
    }),
    'Nothing to roll back': {
      Type: 'Succeed',
    },
    'Decide what to roll back': task('RollbackPlan', {
      Parameters: {
        action: 'plan',
        'trigger.$': '$.run.trigger',
        'runId.$': '$.run.runId',
        'lease.$': '$.lease',
      },
      ResultPath: '$.decision',
      Catch: catchAll('Report the failure'),
      Next: 'What does the rollback do',
    }),
    'What does the rollback do': {
      Type: 'Choice',
      Choices: [
        {
          Variable: '$.decision.mode',
          StringEquals: 'roll-back',
          Next: 'Record phase rolling-back',
        },
        {
          Variable: '$.decision.mode',
          StringEquals: 'abort',
          Next: 'Record phase rolling-back before cutover',
        },
        {
          Variable: '$.decision.mode',
          StringEquals: 'back-out',
          Next: 'Back out the half-done cutover',
        },
      ],
      Default: 'Release the lock, nothing to do',
    },
    'Release the lock, nothing to do': releaseLock('Nothing to roll back'),
    'Record phase rolling-back': task('SetPhase', {
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        'runId.$': '$.run.runId',
        to: 'rolling-back',
        reason: 'a rollback after cutover: the clients move back to the source',
        'lease.$': '$.lease',
      },
      ResultPath: '$.phase',
      Catch: catchAll('Report the failure'),
      Next: 'Freeze writes on the target',
    }),
    'Freeze writes on the target': task('Freeze', {
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        action: 'freeze',
        'runId.$': '$.run.runId',
        'lease.$': '$.lease',
        side: 'target',
        bounded: true,
      },
      ResultPath: '$.freeze',
      Catch: catchAll('Thaw the target again'),
      Next: 'Wait for the last target writes on the source',
    }),
    'Wait for the last target writes on the source': task('Drain', {
      retry: 'fast',
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        'runId.$': '$.run.runId',
        from: 'target',
        'deadline.$': '$.freeze.deadline',
      },
      ResultPath: '$.drain',
      Catch: catchAll('Thaw the target again'),
      Next: 'Verify the changes with writes frozen',
    }),
    'Verify the changes with writes frozen': task('FinalCompare', {
      retry: 'fast',
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        'runId.$': '$.run.runId',
        'deadline.$': '$.freeze.deadline',
        full: false,
        direction: 'reverse',
        'owner.$': '$.run.owner',
      },
      ResultPath: '$.finalComparison',
      Catch: catchAll('Thaw the target again'),
      Next: "Move the source's sequences past the target",
    }),
    "Move the source's sequences past the target": task('SyncSequences', {
      retry: 'fast',
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        to: 'source',
        'deadline.$': '$.freeze.deadline',
      },
      ResultPath: '$.sequences',
      Catch: catchAll('Thaw the target again'),
      Next: 'Switch the clients to the source',
    }),
    'Switch the clients to the source': task('Switch', {
      retry: 'fast',
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        to: 'source',
      },
      ResultPath: '$.switch',
      Catch: catchAll('Thaw the target again'),
      Next: 'Thaw writes on the source',
    }),
    'Thaw writes on the source': task('Freeze', {
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        action: 'thaw',
        side: 'source',
        reconnect: true,
      },
      ResultPath: '$.thaw',
      Catch: catchAll('Report the failure'),
      Next: 'Stop replication in both directions',
    }),
    'Stop replication in both directions': task('StopReplication', {
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        'owner.$': '$.run.owner',
      },
      ResultPath: '$.stopped',
      Catch: catchAll('Report the failure'),
      Next: 'Record phase rolled-back',
    }),
    'Record phase rolled-back': task('SetPhase', {
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        'runId.$': '$.run.runId',
        to: 'rolled-back',
        reason: 'the clients use the source again; every write made on the target was replayed there',
        'lease.$': '$.lease',
      },
      ResultPath: '$.phase',
      Catch: catchAll('Report the failure'),
      Next: 'Release the migration lock',
    }),
    'Release the migration lock': releaseLock('Rolled back'),
    'Rolled back': {
      Type: 'Pass',
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        phase: 'rolled-back',
        'reason.$': '$.run.trigger.reason',
        'drainMs.$': '$.drain.visibleAfterMs',
        'changesSinceCutover.$': '$.finalComparison.changes',
        'keysVerified.$': '$.finalComparison.keysVerified',
        'writesFrozenMs.$': '$.thaw.frozenMs',
        next: 'Find out why the rollback happened, fix it, then start the migrate workflow with "restart": true.',
      },
      End: true,
    },
    'Thaw the target again': task('Freeze', {
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        action: 'thaw',
        side: 'target',
      },
      ResultPath: '$.thawTarget',
      Catch: catchAll('Report the failure', '$.thawError'),
      Next: 'Report the failure',
    }),
    'Record phase rolling-back before cutover': task('SetPhase', {
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        'runId.$': '$.run.runId',
        to: 'rolling-back',
        reason: 'an operator aborted the migration before cutover',
        'lease.$': '$.lease',
      },
      ResultPath: '$.phase',
      Catch: catchAll('Report the failure'),
      Next: 'Stop replication',
    }),
    'Stop replication': task('StopReplication', {
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        'owner.$': '$.run.owner',
      },
      ResultPath: '$.stopped',
      Catch: catchAll('Report the failure'),
      Next: 'Thaw writes on the source if frozen',
    }),
    'Thaw writes on the source if frozen': task('Freeze', {
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        action: 'thaw',
        side: 'source',
      },
      ResultPath: '$.thaw',
      Catch: catchAll('Report the failure'),
      Next: 'Record phase aborted',
    }),
    'Record phase aborted': task('SetPhase', {
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        'runId.$': '$.run.runId',
        to: 'aborted',
        reason: 'replication stopped; the source stays in use',
        'lease.$': '$.lease',
      },
      ResultPath: '$.phase',
      Catch: catchAll('Report the failure'),
      Next: 'Release the migration lock after aborting',
    }),
    'Release the migration lock after aborting': releaseLock('Aborted'),
    'Aborted': {
      Type: 'Pass',
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        phase: 'aborted',
        'reason.$': '$.run.trigger.reason',
      },
      End: true,
    },
    'Back out the half-done cutover': task('BackOut', {
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        'runId.$': '$.run.runId',
        'lease.$': '$.lease',
      },
      ResultPath: '$.backOut',
      Catch: catchAll('Report the failure'),
      Next: 'Record phase ready',
    }),
    'Record phase ready': task('SetPhase', {
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        'runId.$': '$.run.runId',
        to: 'ready',
        reason: 'a cutover that ended half-way was backed out: the source is thawed and in use, replication runs forward',
        'lease.$': '$.lease',
      },
      ResultPath: '$.phase',
      Catch: catchAll('Report the failure'),
      Next: 'Release the migration lock after backing out',
    }),
    'Release the migration lock after backing out': releaseLock('Backed out'),
    'Backed out': {
      Type: 'Pass',
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        phase: 'ready',
        'reason.$': '$.run.trigger.reason',
      },
      End: true,
    },
    'Report the failure': task('FailRun', {
      Parameters: {
        workflow: 'rollback',
        'executionId.$': '$$.Execution.Id',
        'state.$': '$',
      },
      ResultPath: '$.failure',
      Catch: catchAll('Rollback failed without a report', '$.failureReportError'),
      Next: 'Rollback failed',
    }),
    'Rollback failed': {
      Type: 'Fail',
      ErrorPath: '$.failure.error',
      CausePath: '$.failure.cause',
    },
    'Rollback failed without a report': {
      Type: 'Fail',
      Error: 'FailureNotReported',
      Cause: "The workflow failed and its failure report could not be written either; read the execution history, and check the migration's lock and write freezes.",
    },
  },
};
