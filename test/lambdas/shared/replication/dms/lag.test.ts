import { CloudWatchClient, GetMetricDataCommand, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import {
  DatabaseMigrationServiceClient,
  DescribeReplicationInstancesCommand,
  DescribeReplicationsCommand,
  DescribeReplicationTasksCommand,
  DescribeTableStatisticsCommand,
} from '@aws-sdk/client-database-migration-service';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DmsTransientError } from '../../../../../lambdas/shared/replication/dms/errors';
import { ReplicationLagUnknownError } from '../../../../../lambdas/shared/replication/engine';
import {
  DURING_FULL_LOAD,
  INSTANCE_ARN,
  INSTANCE_RESOURCE,
  NOW,
  SERVERLESS_RESOURCE,
  errors,
  forwardTask,
  newEngine,
  serverlessReplication,
  sleep,
  tableStats,
} from './dms.fixture';

const dms = mockClient(DatabaseMigrationServiceClient);
const cloudwatch = mockClient(CloudWatchClient);

beforeEach(() => {
  dms.reset();
  cloudwatch.reset();
  sleep.mockClear();
});

/** A GetMetricData result with the newest point first (ScanBy TimestampDescending). */
function series(id: 'source' | 'target', points: Array<[minutesAgo: number, seconds: number]>): MetricDataResult {
  return {
    Id: id,
    Label: id === 'source' ? 'CDCLatencySource' : 'CDCLatencyTarget',
    Timestamps: points.map(([minutesAgo]) => new Date(NOW - minutesAgo * 60_000)),
    Values: points.map(([, seconds]) => seconds),
    StatusCode: 'Complete',
  };
}

function givenRunningInstanceTask() {
  dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [forwardTask({ Status: 'running' })] });
  dms.on(DescribeReplicationInstancesCommand).resolves({
    ReplicationInstances: [{ ReplicationInstanceIdentifier: 'ferry-dev-orders', ReplicationInstanceArn: INSTANCE_ARN, ReplicationInstanceStatus: 'available' }],
  });
}

describe('lag of a DMS replication', () => {
  it('reads CDCLatencySource and CDCLatencyTarget of the task, dimensioned by instance name and task resource id', async () => {
    // Prepare
    givenRunningInstanceTask();
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [series('source', [[2, 1], [3, 4]]), series('target', [[2, 3], [3, 9]])],
    });

    // Act
    const lag = await newEngine(INSTANCE_RESOURCE).lag();

    // Assess
    expect(lag).toEqual({ seconds: 3 });
    const metric = (name: string) => ({
      Metric: {
        Namespace: 'AWS/DMS',
        MetricName: name,
        Dimensions: [
          { Name: 'ReplicationInstanceIdentifier', Value: 'ferry-dev-orders' },
          { Name: 'ReplicationTaskIdentifier', Value: 'KDH5LWXTLTOCFXKRFVKWSFPCM4' },
        ],
      },
      Period: 60,
      Stat: 'Maximum',
    });
    expect(cloudwatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input).toEqual({
      MetricDataQueries: [
        { Id: 'source', MetricStat: metric('CDCLatencySource'), ReturnData: true },
        { Id: 'target', MetricStat: metric('CDCLatencyTarget'), ReturnData: true },
      ],
      StartTime: new Date(NOW - 10 * 60_000),
      EndTime: new Date(NOW),
      ScanBy: 'TimestampDescending',
    });
    expect(dms.commandCalls(DescribeReplicationInstancesCommand)[0]?.args[0].input).toEqual({
      Filters: [{ Name: 'replication-instance-arn', Values: [INSTANCE_ARN] }],
    });
  });

  it('takes the larger of source and target latency', async () => {
    // Prepare
    givenRunningInstanceTask();
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [series('source', [[1, 42]]), series('target', [[1, 7]])] });

    // Act
    const lag = await newEngine(INSTANCE_RESOURCE).lag();

    // Assess
    expect(lag).toEqual({ seconds: 42 });
  });

  it('looks up the replication instance name once per engine', async () => {
    // Prepare
    givenRunningInstanceTask();
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [series('source', [[1, 0]]), series('target', [[1, 0]])] });
    const engine = newEngine(INSTANCE_RESOURCE);

    // Act
    await engine.lag();
    await engine.lag();

    // Assess
    expect(dms.commandCalls(DescribeReplicationInstancesCommand)).toHaveLength(1);
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(2);
  });

  it('uses the ReplicationConfigId dimension for DMS Serverless', async () => {
    // Prepare
    dms.on(DescribeReplicationsCommand).resolves({ Replications: [serverlessReplication()] });
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [series('source', [[1, 2]]), series('target', [[1, 5]])] });

    // Act
    const lag = await newEngine(SERVERLESS_RESOURCE).lag();

    // Assess
    expect(lag).toEqual({ seconds: 5 });
    const queries = cloudwatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries ?? [];
    expect(queries.map((q) => q.MetricStat?.Metric?.Dimensions)).toEqual([
      [{ Name: 'ReplicationConfigId', Value: '123456789012:OZRAVXDSNFCUTG5UZNI6HRDWVY' }],
      [{ Name: 'ReplicationConfigId', Value: '123456789012:OZRAVXDSNFCUTG5UZNI6HRDWVY' }],
    ]);
  });

  it('is unknown, never zero, when CloudWatch has no datapoint yet', async () => {
    // Prepare
    givenRunningInstanceTask();
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [series('source', []), series('target', [])] });

    // Act
    const attempt = newEngine(INSTANCE_RESOURCE).lag();

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ReplicationLagUnknownError);
    await expect(attempt).rejects.toThrow(/no CDCLatencyTarget datapoint.*ReplicationTaskIdentifier=KDH5LWXTLTOCFXKRFVKWSFPCM4/);
  });

  it('is unknown when only the source latency is known, since target latency includes it', async () => {
    // Prepare
    givenRunningInstanceTask();
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [series('source', [[1, 2]]), series('target', [])] });

    // Act
    const attempt = newEngine(INSTANCE_RESOURCE).lag();

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ReplicationLagUnknownError);
  });

  it('is unknown when the newest datapoint is too old to describe the replication', async () => {
    // Prepare
    givenRunningInstanceTask();
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [series('source', [[8, 0]]), series('target', [[8, 0]])] });

    // Act
    const attempt = newEngine(INSTANCE_RESOURCE).lag();

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ReplicationLagUnknownError);
  });

  it('is unknown while the task is not running, without asking CloudWatch (old points would look small)', async () => {
    // Prepare
    dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [forwardTask({ Status: 'stopped' })] });

    // Act
    const attempt = newEngine(INSTANCE_RESOURCE).lag();

    // Assess
    await expect(attempt).rejects.toThrow(/is stopped, not applying changes/);
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });

  it('is unknown during the full load', async () => {
    // Prepare
    dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [forwardTask({ Status: 'running' }, DURING_FULL_LOAD)] });
    dms.on(DescribeTableStatisticsCommand).resolves({ TableStatistics: [tableStats('public', 'orders', 'Table loading', 10)] });

    // Act
    const attempt = newEngine(INSTANCE_RESOURCE).lag();

    // Assess
    await expect(attempt).rejects.toThrow(/still in its full load/);
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });

  it('retries a throttled GetMetricData, then reports the lag', async () => {
    // Prepare
    givenRunningInstanceTask();
    cloudwatch
      .on(GetMetricDataCommand)
      .rejectsOnce(errors.cloudWatchThrottling())
      .resolves({ MetricDataResults: [series('source', [[1, 1]]), series('target', [[1, 2]])] });

    // Act
    const lag = await newEngine(INSTANCE_RESOURCE).lag();

    // Assess
    expect(lag).toEqual({ seconds: 2 });
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(2);
    expect(sleep).toHaveBeenCalledTimes(1);
  });

  it('surfaces a CloudWatch that keeps throttling as a transient error', async () => {
    // Prepare
    givenRunningInstanceTask();
    cloudwatch.on(GetMetricDataCommand).rejects(errors.cloudWatchThrottling());

    // Act
    const attempt = newEngine(INSTANCE_RESOURCE).lag();

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(DmsTransientError);
    await expect(attempt).rejects.toThrow(/CloudWatch GetMetricData on DMS task "ferry-orders-forward" kept failing/);
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(3);
  });
});
