import {
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  DBInstanceNotFoundFault,
  DBSnapshotAlreadyExistsFault,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  SnapshotQuotaExceededFault,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { restorePointsStep, snapshotIdFor, type RestorePointsOutput } from '../../../lambdas/restore-points/step';
import type { MigrationConfigInput } from '../../../lambdas/shared/migration-config';
import { rdsRestorePoints } from '../../../lambdas/shared/restore-points/rds';
import { localRuntime } from '../../../local/runtime';
import { awsErrors } from '../../helpers/aws-errors';
import { useDynalite } from '../../helpers/dynalite';
import { ORDERS } from '../../helpers/migrations';

const rds = mockClient(RDSClient);
const metadata = { httpStatusCode: 400, requestId: 'TEST-REQUEST-ID', attempts: 1, totalRetryDelay: 0 };
const RUN = 'cutover:orders:first';
const SNAPSHOT = snapshotIdFor('orders', 'source', RUN);
const ARN = `arn:aws:rds:eu-west-1:123456789012:snapshot:${SNAPSHOT}`;

const ON_RDS: MigrationConfigInput = { ...ORDERS, source: { ...ORDERS.source, rdsInstanceId: 'orders-db' } };

describe('restore-points step, with RDS answering as it does', () => {
  const dynamo = useDynalite();
  afterEach(() => rds.reset());
  const runtimeFor = async (migration: MigrationConfigInput, now = () => Date.parse('2030-01-01T12:00:00Z')) =>
    localRuntime({ store: await dynamo.newStore(), migrations: [migration], secrets: {}, restorePoints: rdsRestorePoints(new RDSClient({ region: 'eu-west-1' })), now });

  it('snapshots the source, reports it creating, then available, and records its ARN', async () => {
    rds.on(CreateDBSnapshotCommand).resolves({ DBSnapshot: { DBSnapshotIdentifier: SNAPSHOT, DBSnapshotArn: ARN, Status: 'creating', PercentProgress: 0 } });
    rds
      .on(DescribeDBSnapshotsCommand)
      .resolvesOnce({ DBSnapshots: [{ DBSnapshotIdentifier: SNAPSHOT, DBSnapshotArn: ARN, Status: 'creating', PercentProgress: 40 }] })
      .resolves({ DBSnapshots: [{ DBSnapshotIdentifier: SNAPSHOT, DBSnapshotArn: ARN, Status: 'available', PercentProgress: 100 }] });
    const runtime = await runtimeFor(ON_RDS);

    const created = await restorePointsStep({ action: 'create', migrationId: 'orders', runId: RUN }, runtime);
    const creating = await restorePointsStep({ action: 'check', migrationId: 'orders', runId: RUN, deadline: created.deadline }, runtime);
    const available = await restorePointsStep({ action: 'check', migrationId: 'orders', runId: RUN, deadline: created.deadline }, runtime);

    expect(created).toMatchObject({ done: false, deadline: Date.parse('2030-01-01T12:30:00Z'), points: [{ side: 'source', database: 'orders-db', status: 'creating' }] });
    expect(creating).toMatchObject({ done: false, summary: expect.stringContaining('creating, 40%') });
    expect(available).toEqual<RestorePointsOutput>({
      done: true,
      deadline: created.deadline,
      points: [{ side: 'source', kind: 'instance', database: 'orders-db', snapshotId: SNAPSHOT, arn: ARN, status: 'available', percentProgress: 100 }],
      summary: `snapshots available: source ${ARN}`,
    });
    expect(rds.commandCalls(CreateDBSnapshotCommand)[0]!.args[0].input).toMatchObject({
      DBInstanceIdentifier: 'orders-db',
      DBSnapshotIdentifier: SNAPSHOT,
      Tags: [{ Key: 'ferry:migration', Value: 'orders' }, { Key: 'ferry:run', Value: RUN }],
    });
    expect((await runtime.store.latestReport<{ points: unknown[] }>('orders', 'restore-points'))?.report.points).toEqual(available.points);
  });

  it('takes the snapshot a retried step already started as it is', async () => {
    rds.on(CreateDBSnapshotCommand).rejects(new DBSnapshotAlreadyExistsFault({ $metadata: metadata, message: `Cannot create the snapshot because a snapshot with the identifier ${SNAPSHOT} already exists.` }));
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [{ DBSnapshotIdentifier: SNAPSHOT, DBSnapshotArn: ARN, Status: 'creating', PercentProgress: 70 }] });

    const created = await restorePointsStep({ action: 'create', migrationId: 'orders', runId: RUN }, await runtimeFor(ON_RDS));

    expect(created.points).toMatchObject([{ snapshotId: SNAPSHOT, status: 'creating', percentProgress: 70 }]);
  });

  it('stops the cutover before any freeze when the snapshot quota is used up, saying what to do', async () => {
    rds.on(CreateDBSnapshotCommand).rejects(new SnapshotQuotaExceededFault({ $metadata: metadata, message: 'Cannot create more than 100 manual snapshots' }));

    const attempt = restorePointsStep({ action: 'create', migrationId: 'orders', runId: RUN }, await runtimeFor(ON_RDS));

    await expect(attempt).rejects.toMatchObject({ name: 'RestorePointFailedError', message: expect.stringMatching(/SnapshotQuotaExceededFault.*delete old manual snapshots/) });
  });

  it('names the identifier to check when the instance does not exist', async () => {
    rds.on(CreateDBSnapshotCommand).rejects(new DBInstanceNotFoundFault({ $metadata: metadata, message: 'DBInstance orders-db not found.' }));

    const attempt = restorePointsStep({ action: 'create', migrationId: 'orders', runId: RUN }, await runtimeFor(ON_RDS));

    await expect(attempt).rejects.toMatchObject({ name: 'RestorePointFailedError', message: expect.stringMatching(/RDS instance "orders-db".*Check rdsInstanceId/) });
  });

  it('lets the workflow retry when RDS throttles', async () => {
    rds.on(CreateDBSnapshotCommand).rejects(awsErrors.throttling());

    await expect(restorePointsStep({ action: 'create', migrationId: 'orders', runId: RUN }, await runtimeFor(ON_RDS))).rejects.toMatchObject({ name: 'TransientError' });
  });

  it('gives up at backup.maxWaitMinutes with the snapshot still creating, before anything is frozen', async () => {
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [{ DBSnapshotIdentifier: SNAPSHOT, DBSnapshotArn: ARN, Status: 'creating', PercentProgress: 90 }] });
    const runtime = await runtimeFor({ ...ON_RDS, backup: { maxWaitMinutes: 5 } }, () => Date.parse('2030-01-01T12:06:00Z'));

    const attempt = restorePointsStep({ action: 'check', migrationId: 'orders', runId: RUN, deadline: Date.parse('2030-01-01T12:05:00Z') }, runtime);

    await expect(attempt).rejects.toMatchObject({ name: 'RestorePointTimeoutError', message: expect.stringMatching(/within backup.maxWaitMinutes = 5. Nothing was frozen/) });
  });

  it('snapshots an Aurora target as well when asked', async () => {
    const snapshot = snapshotIdFor('orders', 'target', RUN);
    rds.on(CreateDBSnapshotCommand).resolves({ DBSnapshot: { DBSnapshotArn: ARN, Status: 'creating' } });
    rds.on(CreateDBClusterSnapshotCommand).resolves({ DBClusterSnapshot: { DBClusterSnapshotArn: `arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:${snapshot}`, Status: 'creating' } });
    rds.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [{ Status: 'available' }] });
    const migration: MigrationConfigInput = { ...ON_RDS, target: { ...ORDERS.target, rdsClusterId: 'orders-aurora' }, backup: { snapshotTarget: true } };

    const created = await restorePointsStep({ action: 'create', migrationId: 'orders', runId: RUN }, await runtimeFor(migration));

    expect(created.points.map((p) => [p.side, p.kind, p.database])).toEqual([
      ['source', 'instance', 'orders-db'],
      ['target', 'cluster', 'orders-aurora'],
    ]);
    expect(rds.commandCalls(CreateDBClusterSnapshotCommand)[0]!.args[0].input).toMatchObject({ DBClusterIdentifier: 'orders-aurora', DBClusterSnapshotIdentifier: snapshot });
  });

  it('takes no snapshot, and says why, when the source names no RDS database', async () => {
    const output = await restorePointsStep({ action: 'create', migrationId: 'orders', runId: RUN }, await runtimeFor(ORDERS));

    expect(output).toMatchObject({ done: true, points: [], summary: expect.stringContaining('names no RDS instance') });
    expect(rds.calls()).toHaveLength(0);
  });
});
