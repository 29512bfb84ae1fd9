import { catchAll, task, type Definition } from './asl';

/** statemachines/drift.asl.json: run `npm run workflows:generate` after changing it. */
export const drift: Definition = {
  Comment: `Ferry drift: one check of schema, data (as configured) and sequence drift. Before cutover the source against the target; after it the target against the schema snapshot stored at cutover. Stores a 'drift' report (a history), publishes metrics, and notifies only when the result changed. Started by the migration's schedule or from the console with {"migrationId": "<id>"}.`,
  StartAt: 'Read the input',
  TimeoutSeconds: 1800,
  States: {
    'Read the input': {
      Type: 'Pass',
      Comment: 'Keeps the console input as it is for the step (which validates it) and names the migration for the failure report.',
      Parameters: {
        'input.$': '$',
        run: {
          'migrationId.$': '$.migrationId',
        },
      },
      Next: 'Check for drift',
    },
    'Check for drift': task('Drift', {
      ResultPath: '$.drift',
      Catch: catchAll('Report the failure'),
      Next: 'Drift checked',
      InputPath: '$.input',
    }),
    'Drift checked': {
      Type: 'Pass',
      InputPath: '$.drift',
      End: true,
    },
    'Report the failure': task('FailRun', {
      Parameters: {
        workflow: 'drift',
        'executionId.$': '$$.Execution.Id',
        'state.$': '$',
      },
      ResultPath: '$.failure',
      Catch: catchAll('Drift check failed without a report', '$.failureReportError'),
      Next: 'Drift check failed',
    }),
    'Drift check failed': {
      Type: 'Fail',
      ErrorPath: '$.failure.error',
      CausePath: '$.failure.cause',
    },
    'Drift check failed without a report': {
      Type: 'Fail',
      Error: 'FailureNotReported',
      Cause: 'The drift check failed and its failure report could not be written either; read the execution history.',
    },
  },
};
