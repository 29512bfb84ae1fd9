import type { Dimension } from '@aws-sdk/client-cloudwatch';
import {
  DescribeReplicationInstancesCommand,
  DescribeReplicationTasksCommand,
  DescribeTableStatisticsCommand,
  ModifyReplicationTaskCommand,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
  type DatabaseMigrationServiceClient,
  type ReplicationTask,
  type TableStatistics,
} from '@aws-sdk/client-database-migration-service';
import type { RetryPolicy } from '../../retry';
import { allPages, awsCall, dmsCall as call, notFoundError } from './aws-call';
import type { DmsFlavour, DmsStartType } from './flavour';
import { arnResourceId, normalizeStopReason, stopReasonMeansFullLoadFinished, type DmsPhase, type DmsReplicationView } from './view';

/** DescribeTableStatistics accepts 20 to 500 (DMS API reference). */
const TABLE_STATISTICS_PAGE = 500;

/** Instance-based replication tasks: StartReplicationTask, DescribeReplicationTasks, ... */
export class InstanceFlavour implements DmsFlavour {
  /** Replication instance ARN -> its identifier (the CloudWatch dimension value); never changes. */
  private readonly instanceIdentifiers = new Map<string, string>();

  constructor(
    private readonly dms: DatabaseMigrationServiceClient,
    private readonly retry: RetryPolicy = {},
  ) {}

  async describe(arn: string): Promise<DmsReplicationView> {
    const context = call('DescribeReplicationTasks', arn);
    const output = await awsCall(
      context,
      () =>
        this.dms.send(
          new DescribeReplicationTasksCommand({ Filters: [{ Name: 'replication-task-arn', Values: [arn] }], WithoutSettings: true }),
        ),
      this.retry,
    );
    const task = output.ReplicationTasks?.find((t) => t.ReplicationTaskArn === arn) ?? output.ReplicationTasks?.[0];
    if (!task) throw notFoundError(context, 'no task has this ARN');
    return taskView(task, arn);
  }

  async tableStatistics(view: DmsReplicationView): Promise<TableStatistics[]> {
    return allPages(
      (marker) =>
        awsCall(
          call('DescribeTableStatistics', view.name),
          () => this.dms.send(new DescribeTableStatisticsCommand({ ReplicationTaskArn: view.arn, MaxRecords: TABLE_STATISTICS_PAGE, Marker: marker })),
          this.retry,
        ),
      (page) => page.TableStatistics,
    );
  }

  async start(view: DmsReplicationView, type: DmsStartType, cdcStartPosition?: string): Promise<void> {
    await awsCall(
      call('StartReplicationTask', view.name),
      () =>
        this.dms.send(
          new StartReplicationTaskCommand({
            ReplicationTaskArn: view.arn,
            StartReplicationTaskType: type,
            ...(cdcStartPosition === undefined ? {} : { CdcStartPosition: cdcStartPosition }),
          }),
        ),
      this.retry,
    );
  }

  async tableMappings(view: DmsReplicationView): Promise<string | undefined> {
    // Without WithoutSettings: the settings and mappings are what this call is for.
    const context = call('DescribeReplicationTasks', view.name);
    const output = await awsCall(
      context,
      () => this.dms.send(new DescribeReplicationTasksCommand({ Filters: [{ Name: 'replication-task-arn', Values: [view.arn] }] })),
      this.retry,
    );
    const task = output.ReplicationTasks?.find((t) => t.ReplicationTaskArn === view.arn) ?? output.ReplicationTasks?.[0];
    if (!task) throw notFoundError(context, 'no task has this ARN');
    return task.TableMappings;
  }

  async modifyTableMappings(view: DmsReplicationView, tableMappings: string): Promise<void> {
    await awsCall(
      call('ModifyReplicationTask', view.name),
      () => this.dms.send(new ModifyReplicationTaskCommand({ ReplicationTaskArn: view.arn, TableMappings: tableMappings })),
      this.retry,
    );
  }

  async stop(view: DmsReplicationView): Promise<void> {
    await awsCall(
      call('StopReplicationTask', view.name),
      () => this.dms.send(new StopReplicationTaskCommand({ ReplicationTaskArn: view.arn })),
      this.retry,
    );
  }

  /**
   * Task metrics carry ReplicationInstanceIdentifier (the instance's name, which its ARN does not
   * contain) and ReplicationTaskIdentifier (the task's resource id: the last part of its ARN, not
   * its name).
   */
  async latencyDimensions(view: DmsReplicationView): Promise<Dimension[]> {
    const instanceArn = view.replicationInstanceArn;
    if (!instanceArn) throw notFoundError(call('DescribeReplicationTasks', view.name), 'DMS did not say which replication instance runs the task');
    return [
      { Name: 'ReplicationInstanceIdentifier', Value: await this.instanceIdentifier(instanceArn) },
      { Name: 'ReplicationTaskIdentifier', Value: arnResourceId(view.arn) },
    ];
  }

  private async instanceIdentifier(instanceArn: string): Promise<string> {
    const known = this.instanceIdentifiers.get(instanceArn);
    if (known) return known;
    const context = call('DescribeReplicationInstances', instanceArn);
    const output = await awsCall(
      context,
      () =>
        this.dms.send(new DescribeReplicationInstancesCommand({ Filters: [{ Name: 'replication-instance-arn', Values: [instanceArn] }] })),
      this.retry,
    );
    const identifier = output.ReplicationInstances?.[0]?.ReplicationInstanceIdentifier;
    if (!identifier) throw notFoundError(context, 'no replication instance has this ARN');
    this.instanceIdentifiers.set(instanceArn, identifier);
    return identifier;
  }
}

export function taskView(task: ReplicationTask, arn: string): DmsReplicationView {
  const stats = task.ReplicationTaskStats;
  const hasRun = Boolean(stats?.StartDate ?? stats?.FreshStartDate ?? task.ReplicationTaskStartDate);
  const status = task.Status ?? 'unknown';
  const stopReason = normalizeStopReason(task.StopReason);
  return {
    flavour: 'instance',
    arn,
    name: task.ReplicationTaskIdentifier ?? arn,
    status,
    phase: taskPhase(status, hasRun),
    hasRun,
    migrationType: task.MigrationType,
    stopReason,
    failureMessages: task.LastFailureMessage ? [task.LastFailureMessage] : [],
    fullLoadFinished: Boolean(stats?.FullLoadFinishDate) || stopReasonMeansFullLoadFinished(stopReason),
    cdcStartPosition: task.CdcStartPosition,
    recoveryCheckpoint: task.RecoveryCheckpoint,
    replicationInstanceArn: task.ReplicationInstanceArn,
  };
}

/** ReplicationTask.Status values from the DMS API reference. */
function taskPhase(status: string, hasRun: boolean): DmsPhase {
  switch (status) {
    case 'ready':
      return hasRun ? 'stopped' : 'never-started';
    case 'starting':
      return 'starting';
    case 'running':
      return 'running';
    case 'stopping':
      return 'stopping';
    case 'stopped':
      return 'stopped';
    case 'failed':
    case 'failed-move':
      return 'failed';
    case 'creating':
    case 'modifying':
    case 'moving':
    case 'deleting':
    case 'testing':
      return 'busy';
    default:
      return 'unknown';
  }
}
