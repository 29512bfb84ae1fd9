import type { Dimension } from '@aws-sdk/client-cloudwatch';
import {
  DescribeReplicationConfigsCommand,
  DescribeReplicationsCommand,
  DescribeReplicationTableStatisticsCommand,
  ModifyReplicationConfigCommand,
  StartReplicationCommand,
  StopReplicationCommand,
  type DatabaseMigrationServiceClient,
  type Replication,
  type TableStatistics,
} from '@aws-sdk/client-database-migration-service';
import type { RetryPolicy } from '../../retry';
import { ReplicationNotFoundError } from '../engine';
import { allPages, awsCall, dmsCall as call, notFoundError } from './aws-call';
import type { DmsFlavour, DmsStartType } from './flavour';
import {
  arnAccountId,
  arnResourceId,
  normalizeStopReason,
  stopReasonMeansFullLoadFinished,
  type DmsPhase,
  type DmsReplicationView,
} from './view';

/** The states a serverless replication passes through between StartReplication and `running`. */
const STARTING_STATUSES = new Set([
  'initializing',
  'preparing_metadata_resources',
  'testing_connection',
  'fetching_metadata',
  'calculating_capacity',
  'provisioning_capacity',
  'replication_starting',
]);

/** DMS Serverless: one replication per replication config (StartReplication, DescribeReplications, ...). */
export class ServerlessFlavour implements DmsFlavour {
  constructor(
    private readonly dms: DatabaseMigrationServiceClient,
    private readonly retry: RetryPolicy = {},
  ) {}

  async describe(arn: string): Promise<DmsReplicationView> {
    const filters = [{ Name: 'replication-config-arn', Values: [arn] }];
    let replication: Replication | undefined;
    try {
      const output = await awsCall(call('DescribeReplications', arn), () => this.dms.send(new DescribeReplicationsCommand({ Filters: filters })), this.retry);
      replication = output.Replications?.find((r) => r.ReplicationConfigArn === arn) ?? output.Replications?.[0];
    } catch (error) {
      // A config that was never started may have no replication yet: DMS answers "not found".
      if (!(error instanceof ReplicationNotFoundError)) throw error;
    }
    if (replication) return replicationView(replication, arn);

    const context = call('DescribeReplicationConfigs', arn);
    const configs = await awsCall(context, () => this.dms.send(new DescribeReplicationConfigsCommand({ Filters: filters })), this.retry);
    const config = configs.ReplicationConfigs?.[0];
    if (!config) throw notFoundError(context, 'no replication config has this ARN');
    return replicationView(
      { ReplicationConfigArn: arn, ReplicationConfigIdentifier: config.ReplicationConfigIdentifier, ReplicationType: config.ReplicationType, Status: 'created' },
      arn,
    );
  }

  async tableStatistics(view: DmsReplicationView): Promise<TableStatistics[]> {
    return allPages(
      (marker) =>
        awsCall(
          call('DescribeReplicationTableStatistics', view.name),
          () => this.dms.send(new DescribeReplicationTableStatisticsCommand({ ReplicationConfigArn: view.arn, Marker: marker })),
          this.retry,
        ),
      (page) => page.ReplicationTableStatistics,
    );
  }

  async start(view: DmsReplicationView, type: DmsStartType, cdcStartPosition?: string): Promise<void> {
    await awsCall(
      call('StartReplication', view.name),
      () =>
        this.dms.send(
          new StartReplicationCommand({
            ReplicationConfigArn: view.arn,
            StartReplicationType: type,
            ...(cdcStartPosition === undefined ? {} : { CdcStartPosition: cdcStartPosition }),
          }),
        ),
      this.retry,
    );
  }

  async tableMappings(view: DmsReplicationView): Promise<string | undefined> {
    const context = call('DescribeReplicationConfigs', view.name);
    const filters = [{ Name: 'replication-config-arn', Values: [view.arn] }];
    const configs = await awsCall(context, () => this.dms.send(new DescribeReplicationConfigsCommand({ Filters: filters })), this.retry);
    const config = configs.ReplicationConfigs?.find((c) => c.ReplicationConfigArn === view.arn) ?? configs.ReplicationConfigs?.[0];
    if (!config) throw notFoundError(context, 'no replication config has this ARN');
    return config.TableMappings;
  }

  /** DMS accepts it only before the config's first replication starts, never after (even once stopped). */
  async modifyTableMappings(view: DmsReplicationView, tableMappings: string): Promise<void> {
    await awsCall(
      call('ModifyReplicationConfig', view.name),
      () => this.dms.send(new ModifyReplicationConfigCommand({ ReplicationConfigArn: view.arn, TableMappings: tableMappings })),
      this.retry,
    );
  }

  async stop(view: DmsReplicationView): Promise<void> {
    await awsCall(call('StopReplication', view.name), () => this.dms.send(new StopReplicationCommand({ ReplicationConfigArn: view.arn })), this.retry);
  }

  /**
   * DMS Serverless publishes its AWS/DMS metrics with one dimension, ReplicationConfigId =
   * `<account id>:<resource id of the config ARN>` (observed on live replications; the DMS user
   * guide does not document it).
   */
  async latencyDimensions(view: DmsReplicationView): Promise<Dimension[]> {
    return [{ Name: 'ReplicationConfigId', Value: `${arnAccountId(view.arn)}:${arnResourceId(view.arn)}` }];
  }
}

export function replicationView(replication: Replication, arn: string): DmsReplicationView {
  const stats = replication.ReplicationStats;
  const hasRun = Boolean(stats?.StartDate ?? stats?.FreshStartDate ?? replication.StartReplicationType ?? replication.ReplicationLastStopTime);
  const status = replication.Status ?? 'unknown';
  const stopReason = normalizeStopReason(replication.StopReason);
  return {
    flavour: 'serverless',
    arn,
    name: replication.ReplicationConfigIdentifier ?? arn,
    status,
    phase: replicationPhase(status, hasRun),
    hasRun,
    migrationType: replication.ReplicationType,
    stopReason,
    failureMessages: (replication.FailureMessages ?? []).filter((m) => m.trim() !== ''),
    fullLoadFinished: Boolean(stats?.FullLoadFinishDate) || stopReasonMeansFullLoadFinished(stopReason),
    cdcStartPosition: replication.CdcStartPosition,
    recoveryCheckpoint: replication.RecoveryCheckpoint,
    provisionState: replication.ProvisionData?.ProvisionState,
  };
}

/** Replication.Status values of DMS Serverless (user guide, "AWS DMS Serverless components"). */
function replicationPhase(status: string, hasRun: boolean): DmsPhase {
  if (STARTING_STATUSES.has(status)) return 'starting';
  switch (status) {
    case 'created':
    case 'ready':
      return hasRun ? 'stopped' : 'never-started';
    case 'running':
      return 'running';
    case 'stopping':
      return 'stopping';
    case 'stopped':
      return 'stopped';
    case 'failed':
      return 'failed';
    case 'modifying':
    case 'deleting':
      return 'busy';
    default:
      return 'unknown';
  }
}
