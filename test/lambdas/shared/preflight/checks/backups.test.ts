import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import type { PreflightContext } from '../../../../../lambdas/shared/preflight/check';
import { backups } from '../../../../../lambdas/shared/preflight/checks/backups';
import { rdsRestorePoints } from '../../../../../lambdas/shared/restore-points/rds';

const rds = mockClient(RDSClient);
const context = (backupsOf: PreflightContext['backups']) => ({ backups: backupsOf }) as PreflightContext;
const port = () => rdsRestorePoints(new RDSClient({ region: 'eu-west-1' }));

describe('preflight check backups', () => {
  afterEach(() => rds.reset());

  it('passes when both databases keep automated backups, naming how far point-in-time recovery reaches', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ BackupRetentionPeriod: 7, LatestRestorableTime: new Date('2030-01-01T11:55:00Z') }] });
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ BackupRetentionPeriod: 1 }] });

    const result = await backups.run(context({ source: { kind: 'instance', id: 'orders-db' }, target: { kind: 'cluster', id: 'orders-aurora' }, rds: port() }));

    expect(result).toMatchObject({ severity: 'ok', objects: [] });
    expect(result.message).toContain('RDS instance orders-db) keeps automated backups for 7 day(s), with point-in-time recovery up to 2030-01-01T11:55:00.000Z');
  });

  it('fails when automated backups are off, and says the command that turns them on', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ BackupRetentionPeriod: 0 }] });

    const result = await backups.run(context({ source: { kind: 'instance', id: 'orders-db' }, rds: port() }));

    expect(result.severity).toBe('error');
    expect(result.objects).toEqual(['source:orders-db', 'target']);
    expect(result.message).toMatch(/automated backups OFF.*modify-db-instance --db-instance-identifier orders-db --backup-retention-period 7/);
  });

  it('warns for a database that is not RDS: its backups cannot be checked and no snapshot can be taken', async () => {
    const result = await backups.run(context({}));

    expect(result).toMatchObject({ severity: 'warning', objects: ['source', 'target'] });
    expect(result.message).toMatch(/names no rdsInstanceId or rdsClusterId.*make sure you can restore it/);
  });

  it('fails naming the problem when RDS does not know the instance', async () => {
    rds.on(DescribeDBInstancesCommand).rejects(Object.assign(new Error('DBInstance orders-db not found.'), { name: 'DBInstanceNotFoundFault', $fault: 'client', $metadata: {} }));

    const result = await backups.run(context({ source: { kind: 'instance', id: 'orders-db' }, rds: port() }));

    expect(result.severity).toBe('error');
    expect(result.message).toMatch(/could not be read.*DBInstanceNotFoundFault.*Check rdsInstanceId/);
  });
});
