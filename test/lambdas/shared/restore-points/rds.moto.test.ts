import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotsCommand,
  ListTagsForResourceCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotIdFor } from '../../../../lambdas/restore-points/step';
import type { PreflightContext } from '../../../../lambdas/shared/preflight/check';
import { backups } from '../../../../lambdas/shared/preflight/checks/backups';
import { RestorePointFailedError, rdsRestorePoints, type RestorePoints } from '../../../../lambdas/shared/restore-points/rds';
import { useMoto } from '../../../helpers/moto';

/**
 * RDS restore points against moto, which checks each request against RDS's model and keeps the
 * instances, clusters and snapshots. Moto's snapshots are "available" the moment they are created
 * (real ones are "creating" for minutes), so waiting for a snapshot is tested with
 * aws-sdk-client-mock in test/lambdas/restore-points/step.test.ts, as are the refusals moto does
 * not produce: SnapshotQuotaExceededFault, InvalidDBInstanceStateFault, throttling, access denied.
 */
const TAGS = { 'ferry:migration': 'orders', 'ferry:run': 'cutover:orders:2030-01-01T12:00:00.000Z' };

describe('rdsRestorePoints, against moto', () => {
  const moto = useMoto();
  let rds: RDSClient;
  let points: RestorePoints;
  beforeAll(async () => {
    rds = new RDSClient(moto.clientConfig());
    points = rdsRestorePoints(rds);
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'orders-db',
        Engine: 'postgres',
        EngineVersion: '16.4',
        DBInstanceClass: 'db.t4g.medium',
        AllocatedStorage: 20,
        MasterUsername: 'ferry_admin',
        MasterUserPassword: 'Zq8#mV2!xL5rT9wk',
        BackupRetentionPeriod: 7,
      }),
    );
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'orders-nobackup',
        Engine: 'postgres',
        DBInstanceClass: 'db.t4g.medium',
        AllocatedStorage: 20,
        MasterUsername: 'ferry_admin',
        MasterUserPassword: 'Zq8#mV2!xL5rT9wk',
        BackupRetentionPeriod: 0,
      }),
    );
    await rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: 'orders-aurora',
        Engine: 'aurora-postgresql',
        EngineVersion: '16.4',
        MasterUsername: 'ferry_admin',
        MasterUserPassword: 'Zq8#mV2!xL5rT9wk',
        BackupRetentionPeriod: 3,
      }),
    );
  });
  afterAll(() => rds.destroy());

  const instance = { kind: 'instance', id: 'orders-db' } as const;
  const cluster = { kind: 'cluster', id: 'orders-aurora' } as const;
  const tagsOf = async (arn: string) => (await rds.send(new ListTagsForResourceCommand({ ResourceName: arn }))).TagList;

  describe('on an RDS instance', () => {
    it('creates a manual snapshot with the tags Ferry sets, which DescribeDBSnapshots then lists', async () => {
      const snapshotId = snapshotIdFor('orders', 'source', TAGS['ferry:run']);

      const created = await points.createSnapshot(instance, snapshotId, TAGS);

      const listed = (await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'orders-db', SnapshotType: 'manual' }))).DBSnapshots ?? [];
      expect(created).toMatchObject({ snapshotId, arn: `arn:aws:rds:eu-west-1:123456789012:snapshot:${snapshotId}` });
      expect(listed.map((s) => s.DBSnapshotIdentifier)).toEqual([snapshotId]);
      expect(await tagsOf(created.arn!)).toEqual([
        { Key: 'ferry:migration', Value: 'orders' },
        { Key: 'ferry:run', Value: TAGS['ferry:run'] },
      ]);
    });

    it('returns the snapshot that exists already when a retried step creates it again, and makes no second one', async () => {
      const snapshotId = snapshotIdFor('orders', 'source', 'cutover:orders:retried');
      const first = await points.createSnapshot(instance, snapshotId, TAGS);

      const again = await points.createSnapshot(instance, snapshotId, TAGS);

      const listed = (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshotId }))).DBSnapshots ?? [];
      expect(again).toMatchObject({ snapshotId, arn: first.arn, status: 'available' });
      expect(listed).toHaveLength(1);
    });

    it('reads a snapshot state as RDS reports it (moto: available at once)', async () => {
      const snapshotId = snapshotIdFor('orders', 'source', 'cutover:orders:state');
      await points.createSnapshot(instance, snapshotId, TAGS);

      const state = await points.snapshotState(instance, snapshotId);

      expect(state).toMatchObject({ snapshotId, status: 'available' });
    });

    it('reads the backup retention of the instance', async () => {
      await expect(points.backupState(instance)).resolves.toMatchObject({ retentionDays: 7 });
    });

    it('refuses a snapshot of an instance that does not exist (DBInstanceNotFound), saying which setting to check', async () => {
      const attempt = points.createSnapshot({ kind: 'instance', id: 'orders-gone' }, 'ferry-orders-source-0123456789ab', TAGS);

      await expect(attempt).rejects.toBeInstanceOf(RestorePointFailedError);
      await expect(attempt).rejects.toThrow(
        'Creating snapshot "ferry-orders-source-0123456789ab" of the RDS instance "orders-gone" failed: DBInstanceNotFoundFault: ' +
          'DBInstance orders-gone not found. Check rdsInstanceId in the migration config (the DB instance identifier, not the endpoint) and the region.',
      );
    });

    it('says a snapshot that was deleted is gone (DBSnapshotNotFound)', async () => {
      const attempt = points.snapshotState(instance, 'ferry-orders-source-deleted00000');

      await expect(attempt).rejects.toBeInstanceOf(RestorePointFailedError);
      await expect(attempt).rejects.toThrow('Reading snapshot "ferry-orders-source-deleted00000" of the RDS instance "orders-db" failed: DBSnapshotNotFoundFault:');
    });
  });

  describe('on an Aurora cluster', () => {
    it('creates a cluster snapshot with the tags Ferry sets, which DescribeDBClusterSnapshots then lists', async () => {
      const snapshotId = snapshotIdFor('orders', 'target', TAGS['ferry:run']);

      const created = await points.createSnapshot(cluster, snapshotId, TAGS);

      const listed = (await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: 'orders-aurora', SnapshotType: 'manual' }))).DBClusterSnapshots ?? [];
      expect(created).toMatchObject({ snapshotId, arn: `arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:${snapshotId}` });
      expect(listed.map((s) => s.DBClusterSnapshotIdentifier)).toEqual([snapshotId]);
      expect(await tagsOf(created.arn!)).toEqual(expect.arrayContaining([{ Key: 'ferry:migration', Value: 'orders' }]));
      await expect(points.snapshotState(cluster, snapshotId)).resolves.toMatchObject({ status: 'available' });
    });

    it('returns the cluster snapshot that exists already on a retry', async () => {
      const snapshotId = snapshotIdFor('orders', 'target', 'cutover:orders:retried');
      const first = await points.createSnapshot(cluster, snapshotId, TAGS);

      await expect(points.createSnapshot(cluster, snapshotId, TAGS)).resolves.toMatchObject({ snapshotId, arn: first.arn, status: 'available' });
    });

    it('reads the backup retention of the cluster', async () => {
      await expect(points.backupState(cluster)).resolves.toMatchObject({ retentionDays: 3 });
    });

    it('refuses a cluster that does not exist (DBClusterNotFoundFault), saying which setting to check', async () => {
      const attempt = points.backupState({ kind: 'cluster', id: 'orders-gone' });

      await expect(attempt).rejects.toBeInstanceOf(RestorePointFailedError);
      await expect(attempt).rejects.toThrow(
        'Reading the backup settings of the RDS Aurora cluster "orders-gone" failed: DBClusterNotFoundFault: DBCluster orders-gone not found.',
      );
    });
  });

  describe('the preflight backups check', () => {
    const context = (backupsOf: PreflightContext['backups']) => ({ backups: backupsOf }) as PreflightContext;

    it('passes for an instance and a cluster that keep automated backups', async () => {
      const result = await backups.run(context({ source: instance, target: cluster, rds: points }));

      expect(result).toMatchObject({ severity: 'ok', objects: [] });
      expect(result.message).toContain('(RDS instance orders-db) keeps automated backups for 7 day(s)');
      expect(result.message).toContain('(Aurora cluster orders-aurora) keeps automated backups for 3 day(s)');
    });

    it('fails for an instance with automated backups off, and for one that does not exist', async () => {
      const result = await backups.run(context({ source: { kind: 'instance', id: 'orders-nobackup' }, target: { kind: 'instance', id: 'orders-gone' }, rds: points }));

      expect(result).toMatchObject({ severity: 'error', objects: ['source:orders-nobackup', 'target:orders-gone'] });
      expect(result.message).toContain('automated backups OFF (backup retention 0 days)');
      expect(result.message).toContain('could not be read: Reading the backup settings of the RDS instance "orders-gone" failed: DBInstanceNotFoundFault');
    });
  });
});
