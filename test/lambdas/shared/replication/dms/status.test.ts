import {
  DatabaseMigrationServiceClient,
  DescribeReplicationsCommand,
  DescribeReplicationTableStatisticsCommand,
  DescribeReplicationTasksCommand,
  DescribeTableStatisticsCommand,
} from '@aws-sdk/client-database-migration-service';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  DURING_FULL_LOAD,
  FATAL_FAILURE,
  FORWARD_CONFIG_ARN,
  FORWARD_TASK_ARN,
  INSTANCE_RESOURCE,
  SERVERLESS_RESOURCE,
  errors,
  forwardTask,
  newEngine,
  serverlessReplication,
  sleep,
  tableStats,
} from './dms.fixture';

const dms = mockClient(DatabaseMigrationServiceClient);

beforeEach(() => {
  dms.reset();
  sleep.mockClear();
});

describe('status of an instance-based DMS task', () => {
  it('reports a task that was never run as not started, without reading table statistics', async () => {
    // Prepare
    dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [forwardTask({ Status: 'ready' }, 'never-run')] });

    // Act
    const status = await newEngine(INSTANCE_RESOURCE).status();

    // Assess
    expect(status).toEqual({ state: 'not-started' });
    expect(dms.commandCalls(DescribeTableStatisticsCommand)).toHaveLength(0);
  });

  it.each([
    { status: 'creating', detail: 'is being created' },
    { status: 'starting', detail: 'is starting' },
  ])('reports a $status task as starting', async ({ status, detail }) => {
    // Prepare
    dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [forwardTask({ Status: status }, status === 'creating' ? 'never-run' : {})] });

    // Act
    const result = await newEngine(INSTANCE_RESOURCE).status();

    // Assess
    expect(result).toEqual({ state: 'starting', detail: `DMS task "ferry-orders-forward" ${detail}` });
  });

  it('reports per-table progress during the full load, from every page of table statistics', async () => {
    // Prepare
    dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [forwardTask({ Status: 'running' }, DURING_FULL_LOAD)] });
    dms
      .on(DescribeTableStatisticsCommand)
      .resolvesOnce({
        ReplicationTaskArn: FORWARD_TASK_ARN,
        TableStatistics: [tableStats('public', 'orders', 'Table loading', 1_250_000), tableStats('public', 'customers', 'Table completed', 48_112)],
        Marker: 'eyJ0YWJsZSI6ImN1c3RvbWVycyJ9',
      })
      .resolvesOnce({ ReplicationTaskArn: FORWARD_TASK_ARN, TableStatistics: [tableStats('sales', 'Invoices', 'Before load')] });

    // Act
    const status = await newEngine(INSTANCE_RESOURCE).status();

    // Assess
    expect(status).toEqual({
      state: 'full-load',
      tables: [
        { table: 'public.customers', state: 'loaded', rowsCopied: 48_112 },
        { table: 'public.orders', state: 'loading', rowsCopied: 1_250_000 },
        { table: 'sales.Invoices', state: 'pending', rowsCopied: 0 },
      ],
    });
    expect(dms.commandCalls(DescribeTableStatisticsCommand).map((c) => c.args[0].input)).toEqual([
      { ReplicationTaskArn: FORWARD_TASK_ARN, MaxRecords: 500, Marker: undefined },
      { ReplicationTaskArn: FORWARD_TASK_ARN, MaxRecords: 500, Marker: 'eyJ0YWJsZSI6ImN1c3RvbWVycyJ9' },
    ]);
  });

  it('reports cdc once the full load has finished', async () => {
    // Prepare
    dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [forwardTask({ Status: 'running' })] });
    dms.on(DescribeTableStatisticsCommand).resolves({ TableStatistics: [tableStats('public', 'orders', 'Table completed', 2_400_000)] });

    // Act
    const status = await newEngine(INSTANCE_RESOURCE).status();

    // Assess
    expect(status).toEqual({ state: 'cdc', tables: [{ table: 'public.orders', state: 'loaded', rowsCopied: 2_400_000 }] });
  });

  it('reports a failed task with its last failure message, stop reason and where its log is', async () => {
    // Prepare
    dms
      .on(DescribeReplicationTasksCommand)
      .resolves({ ReplicationTasks: [forwardTask({ Status: 'failed', StopReason: 'Stop Reason FATAL_ERROR', LastFailureMessage: FATAL_FAILURE })] });
    dms.on(DescribeTableStatisticsCommand).resolves({ TableStatistics: [tableStats('public', 'orders', 'Table completed', 2_400_000)] });

    // Act
    const status = await newEngine(INSTANCE_RESOURCE).status();

    // Assess
    expect(status.state).toBe('failed');
    const cause = status.state === 'failed' ? status.cause : '';
    expect(cause).toContain(`DMS task "ferry-orders-forward" failed: ${FATAL_FAILURE}.`);
    expect(cause).toContain('Stop reason: FATAL_ERROR.');
    expect(cause).toContain('log stream dms-task-KDH5LWXTLTOCFXKRFVKWSFPCM4');
  });

  it('still reports a failed task when DMS refuses its table statistics', async () => {
    // Prepare
    dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [forwardTask({ Status: 'failed', LastFailureMessage: FATAL_FAILURE })] });
    dms.on(DescribeTableStatisticsCommand).rejects(errors.taskInvalidState());

    // Act
    const status = await newEngine(INSTANCE_RESOURCE).status();

    // Assess
    expect(status).toMatchObject({ state: 'failed', tables: [] });
  });

  it('reports a running task with a table error as failed, naming the table', async () => {
    // Prepare
    dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [forwardTask({ Status: 'running' }, DURING_FULL_LOAD)] });
    dms.on(DescribeTableStatisticsCommand).resolves({
      TableStatistics: [tableStats('public', 'orders', 'Table error', 880_000), tableStats('public', 'customers', 'Table completed', 48_112)],
    });

    // Act
    const status = await newEngine(INSTANCE_RESOURCE).status();

    // Assess
    expect(status).toMatchObject({
      state: 'failed',
      tables: [
        { table: 'public.customers', state: 'loaded' },
        { table: 'public.orders', state: 'error', rowsCopied: 880_000, error: expect.stringContaining('Table error') },
      ],
    });
    const cause = status.state === 'failed' ? status.cause : '';
    expect(cause).toMatch(/could not replicate some tables: public\.orders \(DMS reports "Table error"/);
    expect(cause).toContain('dms-task-KDH5LWXTLTOCFXKRFVKWSFPCM4');
  });

  it.each([
    { state: 'Table cancelled', error: 'was cancelled' },
    { state: 'Table does not exist', error: 'cannot find this table on the source' },
  ])('counts "$state" as a table error', async ({ state, error }) => {
    // Prepare
    dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [forwardTask({ Status: 'running' })] });
    dms.on(DescribeTableStatisticsCommand).resolves({ TableStatistics: [tableStats('public', 'orders', state)] });

    // Act
    const status = await newEngine(INSTANCE_RESOURCE).status();

    // Assess
    expect(status).toMatchObject({ state: 'failed', tables: [{ table: 'public.orders', state: 'error', error: expect.stringContaining(error) }] });
  });

  it('reports a task stopped after its full load as stopped, with its stop reason', async () => {
    // Prepare
    dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [forwardTask({ Status: 'stopped', StopReason: 'Stop Reason STOPPED_AFTER_CACHED_EVENTS' })] });
    dms.on(DescribeTableStatisticsCommand).resolves({ TableStatistics: [tableStats('public', 'orders', 'Table completed', 2_400_000)] });

    // Act
    const status = await newEngine(INSTANCE_RESOURCE).status();

    // Assess
    expect(status).toEqual({
      state: 'stopped',
      detail: 'DMS task "ferry-orders-forward" is stopped (stop reason STOPPED_AFTER_CACHED_EVENTS); start() resumes it',
    });
  });

  it('says when a task stopped during its full load cannot simply be resumed', async () => {
    // Prepare
    dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [forwardTask({ Status: 'stopped' }, DURING_FULL_LOAD)] });
    dms.on(DescribeTableStatisticsCommand).resolves({ TableStatistics: [tableStats('public', 'orders', 'Table loading', 100)] });

    // Act
    const status = await newEngine(INSTANCE_RESOURCE).status();

    // Assess
    expect(status).toMatchObject({ state: 'stopped', detail: expect.stringContaining('start with reload: true') });
  });

  it.each(['stopping', 'modifying'])('reports a %s task as stopped, saying what DMS is doing', async (dmsStatus) => {
    // Prepare
    dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [forwardTask({ Status: dmsStatus })] });
    dms.on(DescribeTableStatisticsCommand).resolves({ TableStatistics: [] });

    // Act
    const status = await newEngine(INSTANCE_RESOURCE).status();

    // Assess
    expect(status).toMatchObject({ state: 'stopped', detail: expect.stringContaining(`is ${dmsStatus}`) });
  });
});

describe('status of a DMS Serverless replication', () => {
  it('reports provisioning as starting, with the provisioning state', async () => {
    // Prepare
    dms.on(DescribeReplicationsCommand).resolves({
      Replications: [serverlessReplication({ Status: 'provisioning_capacity', ProvisionData: { ProvisionState: 'provisioning', ProvisionedCapacityUnits: 4 } })],
    });

    // Act
    const status = await newEngine(SERVERLESS_RESOURCE).status();

    // Assess
    expect(status).toEqual({
      state: 'starting',
      detail: 'DMS Serverless replication "ferry-orders-forward" is provisioning capacity (capacity provisioning)',
    });
  });

  it('reports cdc with the replication table statistics', async () => {
    // Prepare
    dms.on(DescribeReplicationsCommand).resolves({ Replications: [serverlessReplication()] });
    dms.on(DescribeReplicationTableStatisticsCommand).resolves({
      ReplicationConfigArn: FORWARD_CONFIG_ARN,
      ReplicationTableStatistics: [tableStats('public', 'orders', 'Table completed', 2_400_000)],
    });

    // Act
    const status = await newEngine(SERVERLESS_RESOURCE).status();

    // Assess
    expect(status).toEqual({ state: 'cdc', tables: [{ table: 'public.orders', state: 'loaded', rowsCopied: 2_400_000 }] });
    expect(dms.commandCalls(DescribeReplicationTableStatisticsCommand)[0]?.args[0].input).toEqual({ ReplicationConfigArn: FORWARD_CONFIG_ARN });
  });

  it('reports a failed replication with all of its failure messages and its log group', async () => {
    // Prepare
    dms.on(DescribeReplicationsCommand).resolves({
      Replications: [
        serverlessReplication({
          Status: 'failed',
          StopReason: 'Stop Reason FATAL_ERROR',
          FailureMessages: [
            'Error executing source loop; Stream component failed at subtask 0',
            'Endpoint initialization failed: connection to server at "10.0.3.17", port 5432 failed: timeout expired',
          ],
        }),
      ],
    });
    dms.on(DescribeReplicationTableStatisticsCommand).resolves({ ReplicationTableStatistics: [] });

    // Act
    const status = await newEngine(SERVERLESS_RESOURCE).status();

    // Assess
    const cause = status.state === 'failed' ? status.cause : '';
    expect(cause).toContain(
      'DMS Serverless replication "ferry-orders-forward" failed: Error executing source loop; Stream component failed at subtask 0 | ' +
        'Endpoint initialization failed',
    );
    expect(cause).toContain('Stop reason: FATAL_ERROR.');
    expect(cause).toContain('log group dms-serverless-replication-OZRAVXDSNFCUTG5UZNI6HRDWVY');
  });

  it('says so when a failed replication has no failure message', async () => {
    // Prepare
    dms.on(DescribeReplicationsCommand).resolves({ Replications: [serverlessReplication({ Status: 'failed', FailureMessages: [] })] });
    dms.on(DescribeReplicationTableStatisticsCommand).resolves({ ReplicationTableStatistics: [] });

    // Act
    const status = await newEngine(SERVERLESS_RESOURCE).status();

    // Assess
    expect(status).toMatchObject({ state: 'failed', cause: expect.stringContaining('failed: DMS gave no failure message.') });
  });
});
