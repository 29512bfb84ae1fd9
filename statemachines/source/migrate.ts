import { acquireLock, catchAll, indexBuildStates, task, type Definition, validateInput } from './asl';

/** statemachines/migrate.asl.json: run `npm run workflows:generate` after changing it. */
export const migrate: Definition = {
  Comment: "Ferry migrate: from nothing to 'ready' for cutover. Preflight, replication, full load, a comparison of every table, lag below the threshold. Re-running resumes from checkpoints.",
  StartAt: 'Validate the input',
  TimeoutSeconds: 172800,
  States: {
    'Validate the input': validateInput('migrate', 'Acquire the migration lock'),
    'Acquire the migration lock': acquireLock('Run the preflight checks'),
    'Run the preflight checks': task('Preflight', {
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        'runId.$': '$.run.runId',
        'waive.$': '$.run.waive',
      },
      ResultPath: '$.preflight',
      Catch: catchAll('Report the failure'),
      Next: 'Defer the secondary indexes',
    }),
    'Defer the secondary indexes': task('Indexes', {
      Comment: "fullLoad.deferIndexes: records the target's secondary indexes and drops them, so the copy does not maintain them row by row; they are built after the full load. Left alone once the copy is over.",
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        action: 'defer',
      },
      ResultPath: '$.deferredIndexes',
      Catch: catchAll('Report the failure'),
      Next: 'Start replication',
    }),
    'Start replication': task('StartReplication', {
      Parameters: {
        'migrationId.$': '$.run.migrationId',
      },
      ResultPath: '$.replicationStart',
      Catch: catchAll('Report the failure'),
      Next: 'Record phase replicating',
    }),
    'Record phase replicating': task('SetPhase', {
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        'runId.$': '$.run.runId',
        to: 'replicating',
        reason: 'migrate workflow started replication',
        'lease.$': '$.lease',
      },
      ResultPath: '$.phase',
      Catch: catchAll('Report the failure'),
      Next: 'Check the full load',
    }),
    'Check the full load': task('ReplicationStatus', {
      Parameters: {
        'migrationId.$': '$.run.migrationId',
      },
      ResultPath: '$.replication',
      Catch: catchAll('Report the failure'),
      Next: 'Is the full load done?',
    }),
    'Is the full load done?': {
      Type: 'Choice',
      Choices: [
        {
          Variable: '$.replication.fullLoadComplete',
          BooleanEquals: true,
          Next: 'Build the secondary indexes',
        },
        {
          Variable: '$.run.polls.fullLoad',
          NumericGreaterThanEqualsPath: '$.run.maxPolls.fullLoad',
          Next: 'Full load took too long',
        },
      ],
      Default: 'Wait for the full load',
    },
    'Wait for the full load': {
      Type: 'Wait',
      SecondsPath: '$.run.pollSeconds',
      Next: 'Count a full-load check',
    },
    'Count a full-load check': {
      Type: 'Pass',
      Parameters: {
        'value.$': 'States.MathAdd($.run.polls.fullLoad, 1)',
      },
      ResultPath: '$.run.polls.fullLoadCounter',
      Next: 'Store the full-load count',
    },
    'Store the full-load count': {
      Type: 'Pass',
      InputPath: '$.run.polls.fullLoadCounter.value',
      ResultPath: '$.run.polls.fullLoad',
      Next: 'Check the full load',
    },
    'Full load took too long': {
      Type: 'Pass',
      Parameters: {
        Error: 'FullLoadTimeoutError',
        'Cause.$': "States.Format('The full load did not finish within {} checks {} seconds apart. Replication keeps running: look at the replication status, then start the migrate workflow again; it resumes.', $.run.maxPolls.fullLoad, $.run.pollSeconds)",
      },
      ResultPath: '$.error',
      Next: 'Report the failure',
    },
    ...indexBuildStates("Analyze the target's tables", 'Report the failure'),
    "Analyze the target's tables": task('Analyze', {
      Comment: 'ANALYZE the selected tables on the target so its planner has statistics; best effort: what does not fit is left to autovacuum.',
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        when: 'after-full-load',
      },
      ResultPath: '$.analyze',
      Catch: catchAll('Start change capture', '$.analyzeError'),
      Next: 'Start change capture',
    }),
    'Start change capture': task('StartCapture', {
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        'runId.$': '$.run.runId',
        'owner.$': '$.run.owner',
      },
      ResultPath: '$.capture',
      Catch: catchAll('Report the failure'),
      Next: 'List the tables to compare',
    }),
    'List the tables to compare': task('ListTables', {
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        'runId.$': '$.run.runId',
      },
      ResultPath: '$.tables',
      Catch: catchAll('Report the failure'),
      Next: 'Compare each table',
    }),
    'Compare each table': {
      Type: 'Map',
      ItemsPath: '$.tables.tables',
      MaxConcurrency: 4,
      ItemSelector: {
        'migrationId.$': '$.run.migrationId',
        'runId.$': '$.capture.compareRunId',
        'settleMs.$': '$.run.settleMs',
        'maxRounds.$': '$.run.maxPolls.compareRounds',
        rounds: 1,
        'table.$': '$$.Map.Item.Value',
      },
      ItemProcessor: {
        ProcessorConfig: {
          Mode: 'INLINE',
        },
        StartAt: 'Compare the table',
        States: {
          'Compare the table': task('Compare', {
            Parameters: {
              'migrationId.$': '$.migrationId',
              'runId.$': '$.runId',
              'table.$': '$.table',
              'settleMs.$': '$.settleMs',
            },
            ResultSelector: {
              'complete.$': '$.complete',
              'equal.$': '$.equal',
              'rowsCompared.$': '$.rowsCompared',
              'differences.$': '$.differences',
              'differentTables.$': '$.differentTables',
              'startedAt.$': '$.startedAt',
              'finishedAt.$': '$.finishedAt',
            },
            ResultPath: '$.result',
            Next: 'Is the table compared?',
          }),
          'Is the table compared?': {
            Type: 'Choice',
            Choices: [
              {
                Variable: '$.result.complete',
                BooleanEquals: true,
                Next: 'Table compared',
              },
              {
                Variable: '$.rounds',
                NumericGreaterThanEqualsPath: '$.maxRounds',
                Next: 'Table compared',
              },
            ],
            Default: 'Count a comparison round',
          },
          'Count a comparison round': {
            Type: 'Pass',
            Parameters: {
              'migrationId.$': '$.migrationId',
              'runId.$': '$.runId',
              'table.$': '$.table',
              'settleMs.$': '$.settleMs',
              'maxRounds.$': '$.maxRounds',
              'rounds.$': 'States.MathAdd($.rounds, 1)',
            },
            Next: 'Compare the table',
          },
          'Table compared': {
            Type: 'Pass',
            Parameters: {
              'table.$': '$.table',
              'rounds.$': '$.rounds',
              'complete.$': '$.result.complete',
              'equal.$': '$.result.equal',
              'rowsCompared.$': '$.result.rowsCompared',
              'differences.$': '$.result.differences',
              'startedAt.$': '$.result.startedAt',
              'finishedAt.$': '$.result.finishedAt',
            },
            End: true,
          },
        },
      },
      ResultPath: '$.comparison',
      Catch: [
        {
          ErrorEquals: ['States.ALL'],
          ResultPath: '$.error',
          Next: 'Report the failure',
        },
      ],
      Next: 'Judge the comparison',
    },
    'Judge the comparison': task('ComparisonVerdict', {
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        'runId.$': '$.capture.compareRunId',
        'results.$': '$.comparison',
        'settleMs.$': '$.run.settleMs',
        'owner.$': '$.run.owner',
      },
      ResultPath: '$.verdict',
      Catch: catchAll('Report the failure'),
      Next: 'Verify the changes since the comparison',
    }),
    'Verify the changes since the comparison': task('VerifyChanges', {
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        'owner.$': '$.run.owner',
        failOnDifferences: true,
      },
      ResultSelector: {
        'verified.$': '$.migrations[0]',
      },
      ResultPath: '$.verification',
      Catch: catchAll('Report the failure'),
      Next: 'Check the replication lag',
    }),
    'Check the replication lag': task('ReplicationStatus', {
      Parameters: {
        'migrationId.$': '$.run.migrationId',
      },
      ResultPath: '$.replication',
      Catch: catchAll('Report the failure'),
      Next: 'Is the lag small enough?',
    }),
    'Is the lag small enough?': {
      Type: 'Choice',
      Choices: [
        {
          And: [
            {
              Variable: '$.replication.lagSeconds',
              IsNumeric: true,
            },
            {
              Variable: '$.replication.lagSeconds',
              NumericLessThanEqualsPath: '$.run.lagThresholdSeconds',
            },
          ],
          Next: 'Record phase ready',
        },
        {
          Variable: '$.run.polls.lag',
          NumericGreaterThanEqualsPath: '$.run.maxPolls.lag',
          Next: 'Lag stayed too high',
        },
      ],
      Default: 'Wait for the lag to drop',
    },
    'Wait for the lag to drop': {
      Type: 'Wait',
      SecondsPath: '$.run.pollSeconds',
      Next: 'Count a lag check',
    },
    'Count a lag check': {
      Type: 'Pass',
      Parameters: {
        'value.$': 'States.MathAdd($.run.polls.lag, 1)',
      },
      ResultPath: '$.run.polls.lagCounter',
      Next: 'Store the lag count',
    },
    'Store the lag count': {
      Type: 'Pass',
      InputPath: '$.run.polls.lagCounter.value',
      ResultPath: '$.run.polls.lag',
      Next: 'Check the replication lag',
    },
    'Lag stayed too high': {
      Type: 'Pass',
      Parameters: {
        Error: 'LagTimeoutError',
        'Cause.$': "States.Format('Replication lag stayed above {} seconds for {} checks {} seconds apart (last: {} seconds). Replication keeps running: reduce the write load or give replication more capacity, then start the migrate workflow again; it resumes.', $.run.lagThresholdSeconds, $.run.maxPolls.lag, $.run.pollSeconds, $.replication.lagSeconds)",
      },
      ResultPath: '$.error',
      Next: 'Report the failure',
    },
    'Record phase ready': task('SetPhase', {
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        'runId.$': '$.run.runId',
        to: 'ready',
        reason: 'every table compared equal and replication lag is below the threshold',
        'lease.$': '$.lease',
      },
      ResultPath: '$.phase',
      Catch: catchAll('Report the failure'),
      Next: 'Release the migration lock',
    }),
    'Release the migration lock': task('Lock', {
      Parameters: {
        action: 'release',
        'migrationId.$': '$.run.migrationId',
        'lease.$': '$.lease',
      },
      ResultPath: '$.released',
      Catch: catchAll('Report the failure'),
      Next: 'Ready for cutover',
    }),
    'Ready for cutover': {
      Type: 'Pass',
      Parameters: {
        'migrationId.$': '$.run.migrationId',
        'runId.$': '$.run.runId',
        phase: 'ready',
        'tablesCompared.$': '$.verdict.tablesCompared',
        'rowsCompared.$': '$.verdict.rowsCompared',
        'comparisonStartedAt.$': '$.verdict.startedAt',
        'comparisonCompletedAt.$': '$.verdict.completedAt',
        'comparisonAgeMinutes.$': '$.verdict.ageMinutes',
        'captureReused.$': '$.capture.reused',
        'verifiedThrough.$': '$.verification.verified.verifiedThrough',
        'lagSeconds.$': '$.replication.lagSeconds',
        'preflightWarnings.$': '$.preflight.warningChecks',
        'waived.$': '$.preflight.waived',
        next: 'Start the cutover workflow with {"migrationId": "<id>"} when the application is ready.',
      },
      End: true,
    },
    'Report the failure': task('FailRun', {
      Parameters: {
        workflow: 'migrate',
        'executionId.$': '$$.Execution.Id',
        'state.$': '$',
      },
      ResultPath: '$.failure',
      Catch: catchAll('Migration failed without a report', '$.failureReportError'),
      Next: 'Migration failed',
    }),
    'Migration failed': {
      Type: 'Fail',
      ErrorPath: '$.failure.error',
      CausePath: '$.failure.cause',
    },
    'Migration failed without a report': {
      Type: 'Fail',
      Error: 'FailureNotRecorded',
      Cause: 'The migrate workflow failed and its failure could not be recorded or the lock released. Read the execution history for the first error; the lock expires with its lease.',
    },
  },
};
