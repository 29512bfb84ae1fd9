import {
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  DBClusterSnapshotAlreadyExistsFault,
  DBSnapshotAlreadyExistsFault,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { FerryError, TransientError } from '../errors';
import { isTransientAwsError } from '../retry';

/** An RDS instance or an Aurora cluster, as an endpoint names it (`rdsInstanceId` or `rdsClusterId`). */
export interface RdsDatabase {
  readonly kind: 'instance' | 'cluster';
  readonly id: string;
}

export interface BackupState {
  /** Days of automated backups; 0 means automated backups, and so point-in-time recovery, are off. */
  readonly retentionDays: number;
  /** The latest time the database can be restored to, when RDS reports one. */
  readonly latestRestorableTime?: string;
}

export interface SnapshotState {
  readonly snapshotId: string;
  readonly arn?: string;
  /** RDS's status: `creating`, `available`, `failed`, ... */
  readonly status: string;
  readonly percentProgress?: number;
}

/** The RDS calls restore points need: backup settings, and manual snapshots. */
export interface RestorePoints {
  backupState(db: RdsDatabase): Promise<BackupState>;
  /** Starts a manual snapshot; one that exists already (a retried step) is returned as it is. */
  createSnapshot(db: RdsDatabase, snapshotId: string, tags: Readonly<Record<string, string>>): Promise<SnapshotState>;
  snapshotState(db: RdsDatabase, snapshotId: string): Promise<SnapshotState>;
}

/**
 * The start of every manual snapshot id Ferry makes for a migration, `ferry-<migration>-`: RDS
 * ids allow no two hyphens in a row, so runs of them are one. The grants name the same prefix.
 */
export function snapshotNamePrefix(migrationId: string): string {
  return `ferry-${migrationId}-`.replace(/-+/g, '-');
}

/** RDS refused: the database is not there, the snapshot quota is used up, access is denied. Not retried. */
export class RestorePointFailedError extends FerryError {
  override readonly name = 'RestorePointFailedError';
}

const describe = (db: RdsDatabase) => `RDS ${db.kind === 'instance' ? 'instance' : 'Aurora cluster'} "${db.id}"`;

/** RDS through the SDK. Throttling and RDS's own failures become TransientError (the workflow retries); the rest RestorePointFailedError. */
export function rdsRestorePoints(client: RDSClient = new RDSClient({})): RestorePoints {
  const call = async <T>(db: RdsDatabase, what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof FerryError) throw error;
      const name = (error as Error).name;
      // RDS's messages end with a period ("DBInstance orders-db not found."); ours add their own.
      const message = `${what} of the ${describe(db)} failed: ${name}: ${(error as Error).message.replace(/\.$/, '')}`;
      if (isTransientAwsError(error) || name === 'InvalidDBInstanceStateFault' || name === 'InvalidDBClusterStateFault') {
        throw new TransientError(`${message} (tried again)`, { cause: error });
      }
      throw new RestorePointFailedError(`${message}. ${ADVICE[name] ?? ''}`.trim(), { cause: error });
    }
  };
  return {
    backupState: (db) =>
      call(db, 'Reading the backup settings', async () => {
        if (db.kind === 'instance') {
          const out = await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: db.id }));
          const found = out.DBInstances?.[0];
          if (!found) throw new RestorePointFailedError(`The ${describe(db)} was not found. ${ADVICE.DBInstanceNotFoundFault}`);
          return { retentionDays: found.BackupRetentionPeriod ?? 0, ...(found.LatestRestorableTime ? { latestRestorableTime: found.LatestRestorableTime.toISOString() } : {}) };
        }
        const out = await client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: db.id }));
        const found = out.DBClusters?.[0];
        if (!found) throw new RestorePointFailedError(`The ${describe(db)} was not found. ${ADVICE.DBClusterNotFoundFault}`);
        return { retentionDays: found.BackupRetentionPeriod ?? 0, ...(found.LatestRestorableTime ? { latestRestorableTime: found.LatestRestorableTime.toISOString() } : {}) };
      }),
    createSnapshot: (db, snapshotId, tags) =>
      call(db, `Creating snapshot "${snapshotId}"`, async () => {
        const Tags = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
        try {
          if (db.kind === 'instance') {
            const out = await client.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: db.id, DBSnapshotIdentifier: snapshotId, Tags }));
            return { snapshotId, arn: out.DBSnapshot?.DBSnapshotArn, status: out.DBSnapshot?.Status ?? 'creating', percentProgress: out.DBSnapshot?.PercentProgress };
          }
          const out = await client.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: db.id, DBClusterSnapshotIdentifier: snapshotId, Tags }));
          return {
            snapshotId,
            arn: out.DBClusterSnapshot?.DBClusterSnapshotArn,
            status: out.DBClusterSnapshot?.Status ?? 'creating',
            percentProgress: out.DBClusterSnapshot?.PercentProgress,
          };
        } catch (error) {
          if (error instanceof DBSnapshotAlreadyExistsFault || error instanceof DBClusterSnapshotAlreadyExistsFault) return readSnapshot(client, db, snapshotId);
          throw error;
        }
      }),
    snapshotState: (db, snapshotId) => call(db, `Reading snapshot "${snapshotId}"`, () => readSnapshot(client, db, snapshotId)),
  };
}

async function readSnapshot(client: RDSClient, db: RdsDatabase, snapshotId: string): Promise<SnapshotState> {
  if (db.kind === 'instance') {
    const out = await client.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshotId }));
    const found = out.DBSnapshots?.[0];
    if (!found) throw new RestorePointFailedError(`Snapshot "${snapshotId}" of the ${describe(db)} is gone (deleted by someone?). Start the cutover again.`);
    return { snapshotId, arn: found.DBSnapshotArn, status: found.Status ?? 'unknown', percentProgress: found.PercentProgress };
  }
  const out = await client.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: snapshotId }));
  const found = out.DBClusterSnapshots?.[0];
  if (!found) throw new RestorePointFailedError(`Snapshot "${snapshotId}" of the ${describe(db)} is gone (deleted by someone?). Start the cutover again.`);
  return { snapshotId, arn: found.DBClusterSnapshotArn, status: found.Status ?? 'unknown', percentProgress: found.PercentProgress };
}

const ADVICE: Record<string, string> = {
  DBInstanceNotFoundFault: 'Check rdsInstanceId in the migration config (the DB instance identifier, not the endpoint) and the region.',
  DBClusterNotFoundFault: 'Check rdsClusterId in the migration config (the DB cluster identifier, not the endpoint) and the region.',
  SnapshotQuotaExceededFault: 'The account has used up its manual snapshot quota: delete old manual snapshots or ask for a higher quota, then start the cutover again.',
  AccessDeniedException: 'The step function lacks the permission named above; redeploy the stack (it grants exactly the snapshot calls for the configured databases).',
  AccessDenied: 'The step function lacks the permission named above; redeploy the stack (it grants exactly the snapshot calls for the configured databases).',
};
