import {
  DatabaseMigrationServiceClient,
  DescribeReplicationTasksCommand,
  DescribeTableStatisticsCommand,
  StartReplicationTaskCommand,
  type ReplicationTask,
  type TableStatistics,
} from '@aws-sdk/client-database-migration-service';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ReplicationBusyError, ReplicationStartRefusedError } from '../../../../../lambdas/shared/replication/engine';
import {
  CONNECT_FAILURE,
  DURING_FULL_LOAD,
  FATAL_FAILURE,
  FORWARD_TASK_ARN,
  INSTANCE_RESOURCE,
  forwardTask,
  newEngine,
  sleep,
  tableStats,
} from './dms.fixture';

const dms = mockClient(DatabaseMigrationServiceClient);

beforeEach(() => {
  dms.reset();
  sleep.mockClear();
});

function given(task: ReplicationTask, tables: TableStatistics[] = []) {
  dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [task] });
  dms.on(DescribeTableStatisticsCommand).resolves({ ReplicationTaskArn: FORWARD_TASK_ARN, TableStatistics: tables });
  dms.on(StartReplicationTaskCommand).resolves({ ReplicationTask: { ...task, Status: 'starting' } });
}

const startCalls = () => dms.commandCalls(StartReplicationTaskCommand).map((c) => c.args[0].input);

const partlyCopied = [
  tableStats('public', 'customers', 'Table completed', 48_112),
  tableStats('public', 'orders', 'Table loading', 1_250_000),
  tableStats('public', 'order_items', 'Before load'),
];

describe('starting an instance-based DMS task', () => {
  const calls = [
    {
      name: 'a task that was never run is started with start-replication',
      task: forwardTask({ Status: 'ready' }, 'never-run'),
      reload: false,
      expected: { action: 'started', type: 'start-replication' },
    },
    {
      name: 'a task that was never run is started with start-replication even when a reload is asked for',
      task: forwardTask({ Status: 'ready' }, 'never-run'),
      reload: true,
      expected: { action: 'started', type: 'start-replication' },
    },
    {
      name: 'a task stopped after its full load resumes with resume-processing',
      task: forwardTask({ Status: 'stopped', StopReason: 'Stop Reason NORMAL' }, { StopDate: new Date('2030-01-01T11:00:00Z') }),
      reload: false,
      expected: { action: 'resumed', type: 'resume-processing' },
    },
    {
      name: 'a task stopped with STOPPED_AFTER_FULL_LOAD resumes with resume-processing',
      task: forwardTask({ Status: 'stopped', StopReason: 'Stop Reason STOPPED_AFTER_FULL_LOAD' }, { FullLoadFinishDate: undefined }),
      reload: false,
      expected: { action: 'resumed', type: 'resume-processing' },
    },
    {
      name: 'a task that failed during CDC resumes with resume-processing',
      task: forwardTask({ Status: 'failed', StopReason: 'Stop Reason FATAL_ERROR', LastFailureMessage: FATAL_FAILURE }),
      reload: false,
      expected: { action: 'resumed', type: 'resume-processing' },
    },
    {
      name: 'a ready task that ran before (modified since) resumes with resume-processing',
      task: forwardTask({ Status: 'ready' }),
      reload: false,
      expected: { action: 'resumed', type: 'resume-processing' },
    },
    {
      name: 'a stopped CDC-only task resumes without reading table statistics',
      task: forwardTask({ Status: 'stopped', MigrationType: 'cdc' }, { FullLoadFinishDate: undefined }),
      reload: false,
      expected: { action: 'resumed', type: 'resume-processing' },
    },
    {
      name: 'a task stopped in CDC restarts its full load with reload-target when a reload is asked for',
      task: forwardTask({ Status: 'stopped' }),
      reload: true,
      expected: { action: 'reloaded', type: 'reload-target' },
    },
  ] as const;

  it.each(calls)('$name', async ({ task, reload, expected }) => {
    // Prepare
    given(task);

    // Act
    const outcome = await newEngine(INSTANCE_RESOURCE).start({ reload });

    // Assess
    expect(outcome.action).toBe(expected.action);
    expect(startCalls()).toEqual([{ ReplicationTaskArn: FORWARD_TASK_ARN, StartReplicationTaskType: expected.type }]);
    expect(dms.commandCalls(DescribeTableStatisticsCommand)).toHaveLength(0);
  });

  it.each([
    { name: 'a starting task is left alone', status: 'starting', reload: false },
    { name: 'a running task is left alone', status: 'running', reload: false },
    { name: 'a running task is left alone even when a reload is asked for (a re-run finds its own reload)', status: 'running', reload: true },
  ])('$name', async ({ status, reload }) => {
    // Prepare
    given(forwardTask({ Status: status }));

    // Act
    const outcome = await newEngine(INSTANCE_RESOURCE).start({ reload });

    // Assess
    expect(outcome).toMatchObject({ action: 'already-running' });
    expect(outcome.message).toContain('ferry-orders-forward');
    expect(startCalls()).toEqual([]);
  });

  it.each(['stopping', 'creating', 'modifying', 'moving', 'deleting', 'testing', 'some-future-status'])(
    'a %s task is busy: nothing is started and the workflow retries',
    async (status) => {
      // Prepare
      given(forwardTask({ Status: status }));

      // Act
      const attempt = newEngine(INSTANCE_RESOURCE).start();

      // Assess
      await expect(attempt).rejects.toBeInstanceOf(ReplicationBusyError);
      await expect(attempt).rejects.toThrow(`is ${status}`);
      expect(startCalls()).toEqual([]);
    },
  );

  it('resumes a task stopped during its full load when every table turns out to be copied', async () => {
    // Prepare
    given(forwardTask({ Status: 'stopped' }, { FullLoadFinishDate: undefined }), [
      tableStats('public', 'customers', 'Table completed', 48_112),
      tableStats('public', 'orders', 'Table completed', 2_400_000),
    ]);

    // Act
    const outcome = await newEngine(INSTANCE_RESOURCE).start();

    // Assess
    expect(outcome.action).toBe('resumed');
    expect(startCalls()).toEqual([{ ReplicationTaskArn: FORWARD_TASK_ARN, StartReplicationTaskType: 'resume-processing' }]);
    expect(dms.commandCalls(DescribeTableStatisticsCommand)[0]?.args[0].input).toEqual({ ReplicationTaskArn: FORWARD_TASK_ARN, MaxRecords: 500 });
  });

  it('resumes a task that failed before any table was copied', async () => {
    // Prepare
    given(
      forwardTask({ Status: 'failed', StopReason: 'Stop Reason RECOVERABLE_ERROR', LastFailureMessage: CONNECT_FAILURE }, { ...DURING_FULL_LOAD, FullLoadStartDate: undefined }),
      [tableStats('public', 'customers', 'Before load'), tableStats('public', 'orders', 'Before load')],
    );

    // Act
    const outcome = await newEngine(INSTANCE_RESOURCE).start();

    // Assess
    expect(outcome.action).toBe('resumed');
    expect(startCalls()).toEqual([{ ReplicationTaskArn: FORWARD_TASK_ARN, StartReplicationTaskType: 'resume-processing' }]);
  });

  it.each(['stopped', 'failed'])('refuses to resume a task %s during its full load, naming the partly copied tables', async (status) => {
    // Prepare
    given(forwardTask({ Status: status, LastFailureMessage: status === 'failed' ? FATAL_FAILURE : undefined }, DURING_FULL_LOAD), partlyCopied);

    // Act
    const attempt = newEngine(INSTANCE_RESOURCE).start();

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ReplicationStartRefusedError);
    await expect(attempt).rejects.toThrow(/public\.orders \(loading, 1250000 rows copied\).*TRUNCATE.*reload: true/);
    expect(startCalls()).toEqual([]);
  });

  it('refuses to resume a task whose table failed, since resuming would load that table again', async () => {
    // Prepare
    given(forwardTask({ Status: 'failed', LastFailureMessage: FATAL_FAILURE }, { FullLoadFinishDate: undefined }), [
      tableStats('public', 'customers', 'Table completed', 48_112),
      tableStats('public', 'orders', 'Table error', 880_000),
    ]);

    // Act
    const attempt = newEngine(INSTANCE_RESOURCE).start();

    // Assess
    await expect(attempt).rejects.toThrow(/public\.orders \(error, 880000 rows copied\)/);
    expect(startCalls()).toEqual([]);
  });

  it('reloads a task stopped during its full load when a reload is asked for', async () => {
    // Prepare
    given(forwardTask({ Status: 'stopped' }, DURING_FULL_LOAD), partlyCopied);

    // Act
    const outcome = await newEngine(INSTANCE_RESOURCE).start({ reload: true });

    // Assess
    expect(outcome.action).toBe('reloaded');
    expect(outcome.message).toContain('reload-target');
    expect(startCalls()).toEqual([{ ReplicationTaskArn: FORWARD_TASK_ARN, StartReplicationTaskType: 'reload-target' }]);
  });

  it('reads every page of table statistics before deciding', async () => {
    // Prepare
    dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [forwardTask({ Status: 'stopped' }, DURING_FULL_LOAD)] });
    dms
      .on(DescribeTableStatisticsCommand)
      .resolvesOnce({ ReplicationTaskArn: FORWARD_TASK_ARN, TableStatistics: [tableStats('public', 'customers', 'Table completed', 10)], Marker: 'page-2' })
      .resolvesOnce({ ReplicationTaskArn: FORWARD_TASK_ARN, TableStatistics: [tableStats('public', 'orders', 'Table loading', 5)] });

    // Act
    const attempt = newEngine(INSTANCE_RESOURCE).start();

    // Assess
    await expect(attempt).rejects.toThrow(/public\.orders/);
    expect(dms.commandCalls(DescribeTableStatisticsCommand).map((c) => c.args[0].input.Marker)).toEqual([undefined, 'page-2']);
  });

  it('describes the task by its ARN without its settings', async () => {
    // Prepare
    given(forwardTask({ Status: 'running' }));

    // Act
    await newEngine(INSTANCE_RESOURCE).start();

    // Assess
    expect(dms.commandCalls(DescribeReplicationTasksCommand)[0]?.args[0].input).toEqual({
      Filters: [{ Name: 'replication-task-arn', Values: [FORWARD_TASK_ARN] }],
      WithoutSettings: true,
    });
  });
});
