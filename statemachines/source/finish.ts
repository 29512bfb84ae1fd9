import { acquireLock, catchAll, indexBuildStates, releaseLock, task, type Definition, validateInput } from './asl';

/** statemachines/finish.asl.json: run `npm run workflows:generate` after changing it. */
export const finish: Definition = {
  Comment: `Ferry finish: ends a migration for good. From cut-over once the observation window has ended (or earlier with "force": true), or from rolled-back or aborted: stops replication in both directions, drops every slot, publication, subscription, replication origin and Ferry object on both databases, and records 'completed' ('finishing' first, so that no rollback starts once replication may be gone). Started by a one-time schedule the cutover creates, or from the console with {"migrationId"}. The switch is never touched.`,
  StartAt: 'Validate the input',
  // Three hours, under the four-hour lease (SWITCH_LEASE_SECONDS): rebuilding the indexes an aborted migration deferred may take that long; a rerun goes on where it stopped.
  TimeoutSeconds: 10800,
  States: {
    'Validate the input': validateInput('finish', 'Acquire the migration lock'),
    'Acquire the migration lock': acquireLock('Decide what to finish'),
    'Decide what to finish': task('Finish', {
      Parameters: {
        action: 'plan',
        'migrationId.$': '$.run.migrationId',
        'runId.$': '$.run.runId',
        'lease.$': '$.lease',
        'owner.$': '$.run.owner',
        'force.$': '$.run.force',
        'scheduled.$': '$.run.scheduled',
      },
      ResultPath: '$.decision',
      Catch: catchAll('Report the failure'),
      Next: 'What does the finish do',
    }),
    'What does the finish do': {
      Type: 'Choice',
      Choices: [
        {
          And: [
            {
              Variable: '$.decision.mode',
              StringEquals: 'finish',
            },
            {
              Variable: '$.decision.phase',
              StringEquals: 'completed',
            },
          ],
          Next: "Stop replication and remove Ferry's objects",
        },
        {
          Variable: '$.decision.mode',
          StringEquals: 'finish',
          Next: 'Record phase finishing',
        },
      ],
      Default: 'Release the lock, nothing to do',
    },
    'Release the lock, nothing to do': releaseLock('Nothing to finish'),
    'Nothing to finish': {
      Type: 'Pass',
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        'phase.$': '$.decision.phase',
        finished: false,
        'why.$': '$.decision.message',
      },
      End: true,
    },
    'Record phase finishing': task('SetPhase', {
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        'runId.$': '$.run.runId',
        to: 'finishing',
        'reason.$': '$.decision.message',
        'lease.$': '$.lease',
      },
      ResultPath: '$.finishing',
      Catch: catchAll('Report the failure'),
      Next: 'Build the secondary indexes',
    }),
    // A migration that ended before its full load did (aborted) gets back the indexes it deferred; otherwise one look finds them valid.
    ...indexBuildStates("Stop replication and remove Ferry's objects", 'Report the failure'),
    "Stop replication and remove Ferry's objects": task('Finish', {
      Parameters: {
        action: 'clean-up',
        'migrationId.$': '$.run.migrationId',
        'runId.$': '$.run.runId',
        'lease.$': '$.lease',
        'owner.$': '$.run.owner',
        'clientsOn.$': '$.decision.clientsOn',
        'why.$': '$.decision.message',
      },
      ResultPath: '$.cleanup',
      Catch: catchAll('Report the failure'),
      Next: 'Record phase completed',
    }),
    'Record phase completed': task('SetPhase', {
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        'runId.$': '$.run.runId',
        to: 'completed',
        'lease.$': '$.lease',
        'reason.$': '$.cleanup.reason',
      },
      ResultPath: '$.phase',
      Catch: catchAll('Report the failure'),
      Next: 'Cancel the finish schedule',
    }),
    'Cancel the finish schedule': task('ScheduleFinish', {
      Parameters: {
        action: 'cancel',
        'migrationId.$': '$.run.migrationId',
      },
      ResultPath: '$.schedule',
      Catch: catchAll('Release the migration lock', '$.scheduleError'),
      Next: 'Release the migration lock',
    }),
    'Release the migration lock': releaseLock('Completed'),
    'Completed': {
      Type: 'Pass',
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        phase: 'completed',
        finished: true,
        'clientsOn.$': '$.decision.clientsOn',
        'removed.$': '$.cleanup.removed',
        'kept.$': '$.cleanup.kept',
      },
      End: true,
    },
    'Report the failure': task('FailRun', {
      Parameters: {
        workflow: 'finish',
        'executionId.$': '$$.Execution.Id',
        'state.$': '$',
      },
      ResultPath: '$.failure',
      Catch: catchAll('Finish failed without a report', '$.failureReportError'),
      Next: 'Finish failed',
    }),
    'Finish failed': {
      Type: 'Fail',
      ErrorPath: '$.failure.error',
      CausePath: '$.failure.cause',
    },
    'Finish failed without a report': {
      Type: 'Fail',
      Error: 'FailureNotReported',
      Cause: "The workflow failed and its failure report could not be written either; read the execution history, and check the migration's lock.",
    },
  },
};
