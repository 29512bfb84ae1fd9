import {
  DatabaseMigrationServiceClient,
  DescribeReplicationsCommand,
  DescribeReplicationTasksCommand,
  DescribeTableStatisticsCommand,
  StartReplicationCommand,
  StartReplicationTaskCommand,
  StopReplicationCommand,
  StopReplicationTaskCommand,
  type Replication,
  type ReplicationTask,
} from '@aws-sdk/client-database-migration-service';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ReplicationFailedError, ReplicationStartRefusedError } from '../../../../../lambdas/shared/replication/engine';
import {
  FATAL_FAILURE,
  FORWARD_CONFIG_ARN,
  FORWARD_TASK_ARN,
  INSTANCE_RESOURCE,
  REVERSE_CONFIG_ARN,
  REVERSE_TASK_ARN,
  SERVERLESS_RESOURCE,
  errors,
  forwardTask,
  newEngine,
  reverseTask,
  serverlessReplication,
  sleep,
  tableStats,
} from './dms.fixture';

const dms = mockClient(DatabaseMigrationServiceClient);

beforeEach(() => {
  dms.reset();
  sleep.mockClear();
});

const byTask = (arn: string) => ({ Filters: [{ Name: 'replication-task-arn', Values: [arn] }], WithoutSettings: true });
const byConfig = (arn: string) => ({ Filters: [{ Name: 'replication-config-arn', Values: [arn] }] });

function givenTasks(forward: ReplicationTask, reverse: ReplicationTask) {
  dms.on(DescribeReplicationTasksCommand, byTask(FORWARD_TASK_ARN)).resolves({ ReplicationTasks: [forward] });
  dms.on(DescribeReplicationTasksCommand, byTask(REVERSE_TASK_ARN)).resolves({ ReplicationTasks: [reverse] });
  dms.on(StartReplicationTaskCommand).resolves({});
  dms.on(StopReplicationTaskCommand).resolves({});
}

const started = () => dms.commandCalls(StartReplicationTaskCommand).map((c) => c.args[0].input);
const stopped = () => dms.commandCalls(StopReplicationTaskCommand).map((c) => c.args[0].input);

describe('preparing reverse replication with instance-based tasks', () => {
  it("starts the reverse task at the target's current WAL position, then pauses the forward task", async () => {
    // Prepare
    givenTasks(forwardTask({ Status: 'running' }), reverseTask({ Status: 'ready' }));
    const currentTargetPosition = vi.fn(async () => '0/16B3748');

    // Act
    const outcome = await newEngine(INSTANCE_RESOURCE, { currentTargetPosition }).prepareReverse();

    // Assess
    expect(outcome).toMatchObject({ action: 'prepared', startPosition: '0/16B3748' });
    expect(started()).toEqual([{ ReplicationTaskArn: REVERSE_TASK_ARN, StartReplicationTaskType: 'start-replication', CdcStartPosition: '0/16B3748' }]);
    expect(stopped()).toEqual([{ ReplicationTaskArn: FORWARD_TASK_ARN }]);
    const order = dms.calls().map((c) => c.args[0].constructor.name);
    expect(order.filter((name) => name.endsWith('ReplicationTaskCommand'))).toEqual(['StartReplicationTaskCommand', 'StopReplicationTaskCommand']);
  });

  it('is idempotent: a reverse task already running is kept and reported with its start position', async () => {
    // Prepare
    givenTasks(forwardTask({ Status: 'stopped' }), reverseTask({ Status: 'running', CdcStartPosition: '0/16B3748' }, {}));
    const currentTargetPosition = vi.fn(async () => '0/1A2B3C4');

    // Act
    const outcome = await newEngine(INSTANCE_RESOURCE, { currentTargetPosition }).prepareReverse();

    // Assess
    expect(outcome).toMatchObject({ action: 'already-prepared', startPosition: '0/16B3748' });
    expect(started()).toEqual([]);
    expect(stopped()).toEqual([]);
    expect(currentTargetPosition).not.toHaveBeenCalled();
  });

  it('pauses the forward task on a re-run that crashed between starting the reverse task and pausing', async () => {
    // Prepare
    givenTasks(forwardTask({ Status: 'running' }), reverseTask({ Status: 'starting', CdcStartPosition: '0/16B3748' }, {}));

    // Act
    const outcome = await newEngine(INSTANCE_RESOURCE).prepareReverse();

    // Assess
    expect(outcome.action).toBe('already-prepared');
    expect(started()).toEqual([]);
    expect(stopped()).toEqual([{ ReplicationTaskArn: FORWARD_TASK_ARN }]);
  });

  it('starts a reverse task that ran and was stopped before afresh, at the current position', async () => {
    // Prepare
    givenTasks(forwardTask({ Status: 'running' }), reverseTask({ Status: 'stopped', CdcStartPosition: '0/9000000' }, {}));

    // Act
    const outcome = await newEngine(INSTANCE_RESOURCE).prepareReverse();

    // Assess
    expect(outcome).toMatchObject({ action: 'prepared', startPosition: '0/16B3748' });
    expect(started()).toEqual([{ ReplicationTaskArn: REVERSE_TASK_ARN, StartReplicationTaskType: 'start-replication', CdcStartPosition: '0/16B3748' }]);
  });

  it('refuses to restart a failed reverse task silently, and reports its failure', async () => {
    // Prepare
    givenTasks(forwardTask({ Status: 'running' }), reverseTask({ Status: 'failed', LastFailureMessage: FATAL_FAILURE }, {}));

    // Act
    const attempt = newEngine(INSTANCE_RESOURCE).prepareReverse();

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ReplicationFailedError);
    await expect(attempt).rejects.toThrow('DMS task "ferry-orders-reverse" failed');
    expect(started()).toEqual([]);
    expect(stopped()).toEqual([]);
  });

  it('refuses a start position that is not a PostgreSQL LSN, starting nothing', async () => {
    // Prepare
    givenTasks(forwardTask({ Status: 'running' }), reverseTask({ Status: 'ready' }));

    // Act
    const attempt = newEngine(INSTANCE_RESOURCE, { currentTargetPosition: async () => 'ferry_reverse_slot' }).prepareReverse();

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ReplicationStartRefusedError);
    await expect(attempt).rejects.toThrow('"ferry_reverse_slot"');
    expect(started()).toEqual([]);
    expect(stopped()).toEqual([]);
  });

  it('refuses to prepare without a way to read the target position', async () => {
    // Prepare
    givenTasks(forwardTask({ Status: 'running' }), reverseTask({ Status: 'ready' }));

    // Act
    const attempt = newEngine(INSTANCE_RESOURCE, { currentTargetPosition: undefined }).prepareReverse();

    // Assess
    await expect(attempt).rejects.toThrow(/built without currentTargetPosition/);
    expect(started()).toEqual([]);
  });
});

describe('the reverse engine', () => {
  it('is undefined while the reverse task was never started', async () => {
    // Prepare
    givenTasks(forwardTask({ Status: 'running' }), reverseTask({ Status: 'ready' }));

    // Act
    const reverse = await newEngine(INSTANCE_RESOURCE).reverse();

    // Assess
    expect(reverse).toBeUndefined();
  });

  it('is undefined when the reverse task does not exist', async () => {
    // Prepare
    dms.on(DescribeReplicationTasksCommand, byTask(REVERSE_TASK_ARN)).rejects(errors.taskNotFound());

    // Act
    const reverse = await newEngine(INSTANCE_RESOURCE).reverse();

    // Assess
    expect(reverse).toBeUndefined();
  });

  it('drives the reverse task once it has been started', async () => {
    // Prepare
    givenTasks(forwardTask({ Status: 'stopped' }), reverseTask({ Status: 'running', CdcStartPosition: '0/16B3748' }, {}));
    dms.on(DescribeTableStatisticsCommand).resolves({ TableStatistics: [tableStats('public', 'orders', 'Table completed')] });

    // Act
    const reverse = await newEngine(INSTANCE_RESOURCE).reverse();
    const status = await reverse?.status();

    // Assess
    expect(reverse).toMatchObject({ kind: 'dms', direction: 'reverse' });
    expect(status).toMatchObject({ state: 'cdc' });
    expect(dms.commandCalls(DescribeTableStatisticsCommand)[0]?.args[0].input.ReplicationTaskArn).toBe(REVERSE_TASK_ARN);
    expect(await reverse?.reverse()).toBeUndefined();
  });

  it('resumes a stopped reverse task from its checkpoint', async () => {
    // Prepare
    givenTasks(forwardTask({ Status: 'stopped' }), reverseTask({ Status: 'stopped' }, {}));

    // Act
    const outcome = await newEngine(INSTANCE_RESOURCE, { direction: 'reverse' }).start();

    // Assess
    expect(outcome.action).toBe('resumed');
    expect(started()).toEqual([{ ReplicationTaskArn: REVERSE_TASK_ARN, StartReplicationTaskType: 'resume-processing' }]);
  });

  it('starts a never-started reverse task at the current target position', async () => {
    // Prepare
    givenTasks(forwardTask({ Status: 'stopped' }), reverseTask({ Status: 'ready' }));

    // Act
    const outcome = await newEngine(INSTANCE_RESOURCE, { direction: 'reverse' }).start();

    // Assess
    expect(outcome.action).toBe('started');
    expect(started()).toEqual([{ ReplicationTaskArn: REVERSE_TASK_ARN, StartReplicationTaskType: 'start-replication', CdcStartPosition: '0/16B3748' }]);
  });

  it('refuses a reload, which would copy the target over the source', async () => {
    // Prepare
    givenTasks(forwardTask({ Status: 'stopped' }), reverseTask({ Status: 'stopped' }, {}));

    // Act
    const attempt = newEngine(INSTANCE_RESOURCE, { direction: 'reverse' }).start({ reload: true });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ReplicationStartRefusedError);
    expect(started()).toEqual([]);
  });

  it('refuses prepareReverse, which belongs to the forward engine', async () => {
    // Act
    const attempt = newEngine(INSTANCE_RESOURCE, { direction: 'reverse' }).prepareReverse();

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ReplicationStartRefusedError);
    expect(dms.calls()).toHaveLength(0);
  });
});

describe('preparing reverse replication with DMS Serverless', () => {
  function givenReplications(forward: Replication, reverse: Replication) {
    dms.on(DescribeReplicationsCommand, byConfig(FORWARD_CONFIG_ARN)).resolves({ Replications: [forward] });
    dms.on(DescribeReplicationsCommand, byConfig(REVERSE_CONFIG_ARN)).resolves({ Replications: [reverse] });
    dms.on(StartReplicationCommand).resolves({});
    dms.on(StopReplicationCommand).resolves({});
  }

  it('starts the reverse replication with a CdcStartPosition, then stops the forward one', async () => {
    // Prepare
    givenReplications(serverlessReplication(), serverlessReplication({}, 'never-run', REVERSE_CONFIG_ARN));

    // Act
    const outcome = await newEngine(SERVERLESS_RESOURCE).prepareReverse();

    // Assess
    expect(outcome).toMatchObject({ action: 'prepared', startPosition: '0/16B3748' });
    expect(dms.commandCalls(StartReplicationCommand).map((c) => c.args[0].input)).toEqual([
      { ReplicationConfigArn: REVERSE_CONFIG_ARN, StartReplicationType: 'start-replication', CdcStartPosition: '0/16B3748' },
    ]);
    expect(dms.commandCalls(StopReplicationCommand).map((c) => c.args[0].input)).toEqual([{ ReplicationConfigArn: FORWARD_CONFIG_ARN }]);
  });

  it('is idempotent while the reverse replication is still provisioning', async () => {
    // Prepare
    givenReplications(
      serverlessReplication({ Status: 'stopped' }),
      serverlessReplication({ Status: 'provisioning_capacity', CdcStartPosition: '0/16B3748' }, {}, REVERSE_CONFIG_ARN),
    );

    // Act
    const outcome = await newEngine(SERVERLESS_RESOURCE).prepareReverse();

    // Assess
    expect(outcome).toMatchObject({ action: 'already-prepared', startPosition: '0/16B3748' });
    expect(dms.commandCalls(StartReplicationCommand)).toHaveLength(0);
    expect(dms.commandCalls(StopReplicationCommand)).toHaveLength(0);
  });
});
