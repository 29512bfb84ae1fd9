import {
  DatabaseMigrationServiceClient,
  DescribeReplicationsCommand,
  DescribeReplicationTasksCommand,
  StopReplicationCommand,
  StopReplicationTaskCommand,
} from '@aws-sdk/client-database-migration-service';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ReplicationBusyError } from '../../../../../lambdas/shared/replication/engine';
import {
  FORWARD_CONFIG_ARN,
  FORWARD_TASK_ARN,
  INSTANCE_RESOURCE,
  REVERSE_TASK_ARN,
  SERVERLESS_RESOURCE,
  errors,
  forwardTask,
  newEngine,
  reverseTask,
  serverlessReplication,
  sleep,
} from './dms.fixture';

const dms = mockClient(DatabaseMigrationServiceClient);

beforeEach(() => {
  dms.reset();
  sleep.mockClear();
});

describe('stopping a DMS replication', () => {
  it.each(['running', 'starting'])('stops a %s task with StopReplicationTask and points at the slot left on the source', async (status) => {
    // Prepare
    dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [forwardTask({ Status: status })] });
    dms.on(StopReplicationTaskCommand).resolves({ ReplicationTask: forwardTask({ Status: 'stopping' }) });

    // Act
    const outcome = await newEngine(INSTANCE_RESOURCE).stop();

    // Assess
    expect(outcome.action).toBe('stopped');
    expect(outcome.message).toContain('logical replication slot on the source database');
    expect(dms.commandCalls(StopReplicationTaskCommand).map((c) => c.args[0].input)).toEqual([{ ReplicationTaskArn: FORWARD_TASK_ARN }]);
  });

  it.each(['stopped', 'failed'])('succeeds without a call when the task is already %s', async (status) => {
    // Prepare
    dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [forwardTask({ Status: status })] });

    // Act
    const outcome = await newEngine(INSTANCE_RESOURCE).stop();

    // Assess
    expect(outcome).toMatchObject({ action: 'already-stopped', message: expect.stringContaining(`is ${status}; there is nothing to stop`) });
    expect(dms.commandCalls(StopReplicationTaskCommand)).toHaveLength(0);
  });

  it('succeeds without a call, and without a slot to mention, when the task never ran', async () => {
    // Prepare
    dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [forwardTask({ Status: 'ready' }, 'never-run')] });

    // Act
    const outcome = await newEngine(INSTANCE_RESOURCE).stop();

    // Assess
    expect(outcome).toEqual({ action: 'already-stopped', message: 'DMS task "ferry-orders-forward" is ready; there is nothing to stop.' });
  });

  it('reports a task that is stopping already without stopping it again', async () => {
    // Prepare
    dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [forwardTask({ Status: 'stopping' })] });

    // Act
    const outcome = await newEngine(INSTANCE_RESOURCE).stop();

    // Assess
    expect(outcome).toMatchObject({ action: 'already-stopped', message: expect.stringContaining('is stopping already') });
    expect(dms.commandCalls(StopReplicationTaskCommand)).toHaveLength(0);
  });

  it('turns a stop that races a state change into a busy error', async () => {
    // Prepare
    dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [forwardTask({ Status: 'running' })] });
    dms.on(StopReplicationTaskCommand).rejects(errors.taskInvalidState());

    // Act
    const attempt = newEngine(INSTANCE_RESOURCE).stop();

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ReplicationBusyError);
    expect(dms.commandCalls(StopReplicationTaskCommand)).toHaveLength(1);
  });

  it('stops the reverse task and points at the slot left on the target', async () => {
    // Prepare
    dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [reverseTask({ Status: 'running' }, {})] });
    dms.on(StopReplicationTaskCommand).resolves({});

    // Act
    const outcome = await newEngine(INSTANCE_RESOURCE, { direction: 'reverse' }).stop();

    // Assess
    expect(outcome.message).toContain('logical replication slot on the target database');
    expect(dms.commandCalls(StopReplicationTaskCommand).map((c) => c.args[0].input)).toEqual([{ ReplicationTaskArn: REVERSE_TASK_ARN }]);
  });

  it.each(['running', 'provisioning_capacity'])('stops a %s serverless replication with StopReplication', async (status) => {
    // Prepare
    dms.on(DescribeReplicationsCommand).resolves({ Replications: [serverlessReplication({ Status: status })] });
    dms.on(StopReplicationCommand).resolves({ Replication: serverlessReplication({ Status: 'stopping' }) });

    // Act
    const outcome = await newEngine(SERVERLESS_RESOURCE).stop();

    // Assess
    expect(outcome.action).toBe('stopped');
    expect(dms.commandCalls(StopReplicationCommand).map((c) => c.args[0].input)).toEqual([{ ReplicationConfigArn: FORWARD_CONFIG_ARN }]);
  });

  it('succeeds without a call when the serverless replication was never started', async () => {
    // Prepare
    dms.on(DescribeReplicationsCommand).resolves({ Replications: [serverlessReplication({}, 'never-run')] });

    // Act
    const outcome = await newEngine(SERVERLESS_RESOURCE).stop();

    // Assess
    expect(outcome.action).toBe('already-stopped');
    expect(dms.commandCalls(StopReplicationCommand)).toHaveLength(0);
  });
});
