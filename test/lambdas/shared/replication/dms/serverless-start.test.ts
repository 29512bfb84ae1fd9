import {
  DatabaseMigrationServiceClient,
  DescribeReplicationConfigsCommand,
  DescribeReplicationsCommand,
  DescribeReplicationTableStatisticsCommand,
  StartReplicationCommand,
  type Replication,
  type TableStatistics,
} from '@aws-sdk/client-database-migration-service';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ReplicationBusyError, ReplicationStartRefusedError } from '../../../../../lambdas/shared/replication/engine';
import { FORWARD_CONFIG_ARN, SERVERLESS_RESOURCE, errors, newEngine, serverlessReplication, sleep, tableStats } from './dms.fixture';

const dms = mockClient(DatabaseMigrationServiceClient);

beforeEach(() => {
  dms.reset();
  sleep.mockClear();
});

function given(replication: Replication, tables: TableStatistics[] = []) {
  dms.on(DescribeReplicationsCommand).resolves({ Replications: [replication] });
  dms.on(DescribeReplicationTableStatisticsCommand).resolves({ ReplicationConfigArn: FORWARD_CONFIG_ARN, ReplicationTableStatistics: tables });
  dms.on(StartReplicationCommand).resolves({ Replication: { ...replication, Status: 'initializing' } });
}

const startCalls = () => dms.commandCalls(StartReplicationCommand).map((c) => c.args[0].input);

describe('starting a DMS Serverless replication', () => {
  it('starts a config that has no replication yet with start-replication', async () => {
    // Prepare
    dms.on(DescribeReplicationsCommand).rejects(errors.replicationNotFound());
    dms.on(DescribeReplicationConfigsCommand).resolves({
      ReplicationConfigs: [
        {
          ReplicationConfigIdentifier: 'ferry-orders-forward',
          ReplicationConfigArn: FORWARD_CONFIG_ARN,
          ReplicationType: 'full-load-and-cdc',
          ComputeConfig: { MaxCapacityUnits: 16, MinCapacityUnits: 2, MultiAZ: false, ReplicationSubnetGroupId: 'ferry-dev-dms' },
        },
      ],
    });
    dms.on(StartReplicationCommand).resolves({});

    // Act
    const outcome = await newEngine(SERVERLESS_RESOURCE).start();

    // Assess
    expect(outcome.action).toBe('started');
    expect(dms.commandCalls(DescribeReplicationConfigsCommand)[0]?.args[0].input).toEqual({
      Filters: [{ Name: 'replication-config-arn', Values: [FORWARD_CONFIG_ARN] }],
    });
    expect(startCalls()).toEqual([{ ReplicationConfigArn: FORWARD_CONFIG_ARN, StartReplicationType: 'start-replication' }]);
  });

  it('starts a replication in status "created" with start-replication', async () => {
    // Prepare
    given(serverlessReplication({}, 'never-run'));

    // Act
    const outcome = await newEngine(SERVERLESS_RESOURCE).start();

    // Assess
    expect(outcome.action).toBe('started');
    expect(startCalls()).toEqual([{ ReplicationConfigArn: FORWARD_CONFIG_ARN, StartReplicationType: 'start-replication' }]);
    expect(dms.commandCalls(DescribeReplicationsCommand)[0]?.args[0].input).toEqual({
      Filters: [{ Name: 'replication-config-arn', Values: [FORWARD_CONFIG_ARN] }],
    });
  });

  it.each([
    'initializing',
    'preparing_metadata_resources',
    'testing_connection',
    'fetching_metadata',
    'calculating_capacity',
    'provisioning_capacity',
    'replication_starting',
    'running',
  ])('leaves a replication that is %s alone', async (status) => {
    // Prepare
    given(serverlessReplication({ Status: status, ProvisionData: { ProvisionState: 'provisioning' } }));

    // Act
    const outcome = await newEngine(SERVERLESS_RESOURCE).start();

    // Assess
    expect(outcome.action).toBe('already-running');
    expect(startCalls()).toEqual([]);
  });

  it('resumes a replication stopped after its full load with resume-processing', async () => {
    // Prepare
    given(serverlessReplication({ Status: 'stopped', ProvisionData: { ProvisionState: 'deprovisioned' } }));

    // Act
    const outcome = await newEngine(SERVERLESS_RESOURCE).start();

    // Assess
    expect(outcome.action).toBe('resumed');
    expect(startCalls()).toEqual([{ ReplicationConfigArn: FORWARD_CONFIG_ARN, StartReplicationType: 'resume-processing' }]);
  });

  it('resumes a replication that failed in CDC with resume-processing', async () => {
    // Prepare
    given(
      serverlessReplication({
        Status: 'failed',
        StopReason: 'Stop Reason FATAL_ERROR',
        FailureMessages: ['Error executing source loop; Stream component failed at subtask 0'],
      }),
    );

    // Act
    const outcome = await newEngine(SERVERLESS_RESOURCE).start();

    // Assess
    expect(outcome.action).toBe('resumed');
    expect(startCalls()).toEqual([{ ReplicationConfigArn: FORWARD_CONFIG_ARN, StartReplicationType: 'resume-processing' }]);
  });

  it('refuses to resume a replication that failed during its full load', async () => {
    // Prepare
    given(serverlessReplication({ Status: 'failed', FailureMessages: ['Task error notification received from subtask 1'] }, { FullLoadFinishDate: undefined }), [
      tableStats('public', 'orders', 'Table completed', 2_400_000),
      tableStats('public', 'order_items', 'Full load', 310_000),
    ]);

    // Act
    const attempt = newEngine(SERVERLESS_RESOURCE).start();

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ReplicationStartRefusedError);
    await expect(attempt).rejects.toThrow(/public\.order_items \(loading, 310000 rows copied\)/);
    expect(startCalls()).toEqual([]);
  });

  it('reloads a replication that failed during its full load when a reload is asked for', async () => {
    // Prepare
    given(serverlessReplication({ Status: 'failed' }, { FullLoadFinishDate: undefined }));

    // Act
    const outcome = await newEngine(SERVERLESS_RESOURCE).start({ reload: true });

    // Assess
    expect(outcome.action).toBe('reloaded');
    expect(startCalls()).toEqual([{ ReplicationConfigArn: FORWARD_CONFIG_ARN, StartReplicationType: 'reload-target' }]);
  });

  it.each(['stopping', 'modifying', 'deleting'])('a %s replication is busy: nothing is started', async (status) => {
    // Prepare
    given(serverlessReplication({ Status: status }));

    // Act
    const attempt = newEngine(SERVERLESS_RESOURCE).start();

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ReplicationBusyError);
    expect(startCalls()).toEqual([]);
  });

  it('turns DMS refusing a start because the config is modifying into a busy error', async () => {
    // Prepare
    given(serverlessReplication({ Status: 'stopped' }));
    dms.on(StartReplicationCommand).rejects(errors.replicationInvalidState());

    // Act
    const attempt = newEngine(SERVERLESS_RESOURCE).start();

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ReplicationBusyError);
    await expect(attempt).rejects.toThrow(/MODIFYING state/);
    expect(startCalls()).toHaveLength(1);
  });
});
