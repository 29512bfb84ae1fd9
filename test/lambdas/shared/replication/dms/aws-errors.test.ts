import {
  DatabaseMigrationServiceClient,
  DescribeReplicationConfigsCommand,
  DescribeReplicationsCommand,
  DescribeReplicationTasksCommand,
  StartReplicationTaskCommand,
} from '@aws-sdk/client-database-migration-service';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { TransientError } from '../../../../../lambdas/shared/errors';
import { DmsTransientError } from '../../../../../lambdas/shared/replication/dms/errors';
import { ReplicationBusyError, ReplicationNotFoundError } from '../../../../../lambdas/shared/replication/engine';
import { FORWARD_TASK_ARN, INSTANCE_RESOURCE, SERVERLESS_RESOURCE, errors, forwardTask, newEngine, sleep } from './dms.fixture';

const dms = mockClient(DatabaseMigrationServiceClient);

beforeEach(() => {
  dms.reset();
  sleep.mockClear();
});

describe('DMS answering with throttling or server errors', () => {
  it('retries a ThrottlingException with backoff, then succeeds', async () => {
    // Prepare
    dms
      .on(DescribeReplicationTasksCommand)
      .rejectsOnce(errors.dmsThrottling())
      .resolves({ ReplicationTasks: [forwardTask({ Status: 'running' })] });

    // Act
    const outcome = await newEngine(INSTANCE_RESOURCE).start();

    // Assess
    expect(outcome.action).toBe('already-running');
    expect(dms.commandCalls(DescribeReplicationTasksCommand)).toHaveLength(2);
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([25]);
  });

  it('retries a 500 from DMS, then succeeds', async () => {
    // Prepare
    dms
      .on(DescribeReplicationTasksCommand)
      .resolves({ ReplicationTasks: [forwardTask({ Status: 'ready' }, 'never-run')] })
      .on(StartReplicationTaskCommand)
      .rejectsOnce(errors.dmsInternal())
      .resolves({});

    // Act
    const outcome = await newEngine(INSTANCE_RESOURCE).start();

    // Assess
    expect(outcome.action).toBe('started');
    expect(dms.commandCalls(StartReplicationTaskCommand)).toHaveLength(2);
  });

  it('surfaces persistent throttling as a transient error the workflow retries, after every attempt', async () => {
    // Prepare
    const throttled = errors.dmsThrottling();
    dms.on(DescribeReplicationTasksCommand).rejects(throttled);

    // Act
    const attempt = newEngine(INSTANCE_RESOURCE).status();

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(DmsTransientError);
    await expect(attempt).rejects.toBeInstanceOf(TransientError);
    await expect(attempt).rejects.toMatchObject({
      name: 'DmsTransientError',
      cause: throttled,
      message: expect.stringContaining(`DMS DescribeReplicationTasks on ${FORWARD_TASK_ARN} kept failing on the AWS side (ThrottlingException: Rate exceeded)`),
    });
    expect(dms.commandCalls(DescribeReplicationTasksCommand)).toHaveLength(3);
  });

  it('does not retry a refused start and reports it as busy', async () => {
    // Prepare
    dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [forwardTask({ Status: 'stopped' })] });
    dms.on(StartReplicationTaskCommand).rejects(errors.taskInvalidState());

    // Act
    const attempt = newEngine(INSTANCE_RESOURCE).start();

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ReplicationBusyError);
    await expect(attempt).rejects.toThrow('Replication Task cannot be started, invalid state');
    expect(dms.commandCalls(StartReplicationTaskCommand)).toHaveLength(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('passes access denied through unchanged, without retrying', async () => {
    // Prepare
    const denied = errors.accessDenied();
    dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [forwardTask({ Status: 'stopped' })] });
    dms.on(StartReplicationTaskCommand).rejects(denied);

    // Act
    const attempt = newEngine(INSTANCE_RESOURCE).start();

    // Assess
    await expect(attempt).rejects.toBe(denied);
    expect(dms.commandCalls(StartReplicationTaskCommand)).toHaveLength(1);
  });
});

describe('a DMS resource that does not exist', () => {
  it('reports a task DMS does not find, telling the operator to deploy the stack', async () => {
    // Prepare
    dms.on(DescribeReplicationTasksCommand).rejects(errors.taskNotFound());

    // Act
    const attempt = newEngine(INSTANCE_RESOURCE).status();

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ReplicationNotFoundError);
    await expect(attempt).rejects.toThrow(/No Tasks found matching provided filters.*npx cdk deploy Ferry-<env>/);
    expect(dms.commandCalls(DescribeReplicationTasksCommand)).toHaveLength(1);
  });

  it('reports a task missing from an empty answer the same way', async () => {
    // Prepare
    dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [] });

    // Act
    const attempt = newEngine(INSTANCE_RESOURCE).start();

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ReplicationNotFoundError);
    await expect(attempt).rejects.toThrow(/no task has this ARN.*FERRY_DMS/);
  });

  it('reports a serverless replication config that does not exist', async () => {
    // Prepare
    dms.on(DescribeReplicationsCommand).rejects(errors.replicationNotFound());
    dms.on(DescribeReplicationConfigsCommand).rejects(errors.configNotFound());

    // Act
    const attempt = newEngine(SERVERLESS_RESOURCE).start();

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ReplicationNotFoundError);
    await expect(attempt).rejects.toThrow(/DescribeReplicationConfigs .* Replication Config not found/);
  });
});
