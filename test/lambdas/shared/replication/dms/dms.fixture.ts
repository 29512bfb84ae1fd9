import { CloudWatchClient, CloudWatchServiceException } from '@aws-sdk/client-cloudwatch';
import {
  AccessDeniedFault,
  DatabaseMigrationServiceClient,
  DatabaseMigrationServiceServiceException,
  InvalidResourceStateFault,
  ResourceNotFoundFault,
  type Replication,
  type ReplicationTask,
  type TableStatistics,
} from '@aws-sdk/client-database-migration-service';
import { vi } from 'vitest';
import { DmsEngine, type DmsEngineOptions } from '../../../../../lambdas/shared/replication/dms/engine';
import type { DmsResource } from '../../../../../lambdas/shared/replication/dms/resources';

/**
 * Response shapes copied from real DMS answers (DMS API reference examples and CLI output): field
 * names, status strings, "Stop Reason ..." prefixes and failure messages as DMS writes them.
 */
export const ACCOUNT = '123456789012';
export const FORWARD_TASK_ARN = `arn:aws:dms:eu-west-1:${ACCOUNT}:task:KDH5LWXTLTOCFXKRFVKWSFPCM4`;
export const REVERSE_TASK_ARN = `arn:aws:dms:eu-west-1:${ACCOUNT}:task:QOIS7XIGJDKNPY6RXMGYRLJQHY`;
export const INSTANCE_ARN = `arn:aws:dms:eu-west-1:${ACCOUNT}:rep:7YJRLDNEW3F6EH5K3TD3XFPTXE`;
export const FORWARD_CONFIG_ARN = `arn:aws:dms:eu-west-1:${ACCOUNT}:replication-config:OZRAVXDSNFCUTG5UZNI6HRDWVY`;
export const REVERSE_CONFIG_ARN = `arn:aws:dms:eu-west-1:${ACCOUNT}:replication-config:B3MQXG2XR5GZDNWRT3EUAJ3FLU`;

export const INSTANCE_RESOURCE: DmsResource = { kind: 'instance', forwardArn: FORWARD_TASK_ARN, reverseArn: REVERSE_TASK_ARN };
export const SERVERLESS_RESOURCE: DmsResource = { kind: 'serverless', forwardArn: FORWARD_CONFIG_ARN, reverseArn: REVERSE_CONFIG_ARN };

/** 2030-01-01T12:00:00Z, the engine's clock in every test. */
export const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
const at = (iso: string) => new Date(`2030-01-01T${iso}Z`);

export const FATAL_FAILURE =
  'Last Error Task error notification received from subtask 0, thread 0 [reptask/replicationtask.c:2883] [1020101] ' +
  "Error executing source loop; Stream component failed at subtask 0, component st_0_QOIS7XIGJDKNPY6RXMGYRLJQHY; Stream component 'st_0_QOIS7XIGJDKNPY6RXMGYRLJQHY' " +
  'terminated [reptask/replicationtask.c:2891] [1020101] Stop Reason FATAL_ERROR Error Level FATAL';
export const CONNECT_FAILURE =
  'Last Error Failed to connect to database. Task error notification received from subtask 0, thread 0 ' +
  '[reptask/replicationtask.c:2883] [1020414] Error 08001: FATAL: password authentication failed for user "dms_user" ' +
  'Stop Reason RECOVERABLE_ERROR Error Level RECOVERABLE';

type TaskStats = NonNullable<ReplicationTask['ReplicationTaskStats']>;

function baseTask(arn: string, identifier: string, migrationType: ReplicationTask['MigrationType']): ReplicationTask {
  return {
    ReplicationTaskIdentifier: identifier,
    SourceEndpointArn: `arn:aws:dms:eu-west-1:${ACCOUNT}:endpoint:6GGI6YPWWGAYUVLKIB732KEVWA`,
    TargetEndpointArn: `arn:aws:dms:eu-west-1:${ACCOUNT}:endpoint:EOM4SFKCZEYHZBFGAGZT3QEC5U`,
    ReplicationInstanceArn: INSTANCE_ARN,
    MigrationType: migrationType,
    TableMappings: '{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"include-1","object-locator":{"schema-name":"public","table-name":"%"},"rule-action":"include"}]}',
    ReplicationTaskCreationDate: at('08:00:00.512'),
    ReplicationTaskArn: arn,
  };
}

const NEVER_RUN_STATS: TaskStats = {
  FullLoadProgressPercent: 0,
  ElapsedTimeMillis: 0,
  TablesLoaded: 0,
  TablesLoading: 0,
  TablesQueued: 0,
  TablesErrored: 0,
};

const RAN_STATS: TaskStats = {
  FullLoadProgressPercent: 100,
  ElapsedTimeMillis: 7_200_000,
  TablesLoaded: 0,
  TablesLoading: 0,
  TablesQueued: 0,
  TablesErrored: 0,
  FreshStartDate: at('09:00:04.187'),
  StartDate: at('09:00:04.187'),
  FullLoadStartDate: at('09:00:21.044'),
  FullLoadFinishDate: at('10:12:48.902'),
};

/** Forward (full load + CDC) task in a given situation. */
export function forwardTask(overrides: Partial<ReplicationTask> = {}, stats: Partial<TaskStats> | 'never-run' = {}): ReplicationTask {
  const base = stats === 'never-run' ? NEVER_RUN_STATS : { ...RAN_STATS, ...stats };
  return {
    ...baseTask(FORWARD_TASK_ARN, 'ferry-orders-forward', 'full-load-and-cdc'),
    Status: 'running',
    StopReason: 'Stop Reason NORMAL',
    ...(stats === 'never-run' ? {} : { ReplicationTaskStartDate: at('09:00:04.187'), RecoveryCheckpoint: 'checkpoint:V1#27#000000F1/4C000148#0#0#*#0#0' }),
    ReplicationTaskStats: withoutUndefined(base),
    ...overrides,
  };
}

/** The reverse task: CDC only, from target back to source. */
export function reverseTask(overrides: Partial<ReplicationTask> = {}, stats: Partial<TaskStats> | 'never-run' = 'never-run'): ReplicationTask {
  const ran = stats !== 'never-run';
  return {
    ...baseTask(REVERSE_TASK_ARN, 'ferry-orders-reverse', 'cdc'),
    Status: ran ? 'running' : 'ready',
    StopReason: 'Stop Reason NORMAL',
    ReplicationTaskStats: withoutUndefined(
      ran ? { ...NEVER_RUN_STATS, FreshStartDate: at('11:30:00.000'), StartDate: at('11:30:00.000'), ...stats } : NEVER_RUN_STATS,
    ),
    ...overrides,
  };
}

/** The forward task in the middle of its full load: no finish date yet. */
export const DURING_FULL_LOAD: Partial<TaskStats> = { FullLoadProgressPercent: 41, FullLoadFinishDate: undefined, TablesLoading: 1, TablesQueued: 1 };

const REPLICATION_STATS_RAN: NonNullable<Replication['ReplicationStats']> = {
  FullLoadProgressPercent: 100,
  ElapsedTimeMillis: 7_200_000,
  TablesLoaded: 2,
  TablesLoading: 0,
  TablesQueued: 0,
  TablesErrored: 0,
  FreshStartDate: at('09:00:04.187'),
  StartDate: at('09:00:04.187'),
  FullLoadStartDate: at('09:24:40.310'),
  FullLoadFinishDate: at('10:12:48.902'),
};

/** A DMS Serverless replication (DescribeReplications shape) in a given situation. */
export function serverlessReplication(
  overrides: Partial<Replication> = {},
  stats: Partial<NonNullable<Replication['ReplicationStats']>> | 'never-run' = {},
  arn = FORWARD_CONFIG_ARN,
): Replication {
  const neverRun = stats === 'never-run';
  return {
    ReplicationConfigIdentifier: arn === FORWARD_CONFIG_ARN ? 'ferry-orders-forward' : 'ferry-orders-reverse',
    ReplicationConfigArn: arn,
    SourceEndpointArn: `arn:aws:dms:eu-west-1:${ACCOUNT}:endpoint:6GGI6YPWWGAYUVLKIB732KEVWA`,
    TargetEndpointArn: `arn:aws:dms:eu-west-1:${ACCOUNT}:endpoint:EOM4SFKCZEYHZBFGAGZT3QEC5U`,
    ReplicationType: arn === FORWARD_CONFIG_ARN ? 'full-load-and-cdc' : 'cdc',
    Status: neverRun ? 'created' : 'running',
    ReplicationCreateTime: at('08:00:00.512'),
    ReplicationUpdateTime: at('09:00:04.187'),
    ...(neverRun
      ? {}
      : {
          ProvisionData: { ProvisionState: 'provisioned', ProvisionedCapacityUnits: 4, DateProvisioned: at('09:21:17.003'), IsNewProvisioningAvailable: false },
          StopReason: 'Stop Reason NORMAL',
          FailureMessages: [],
          StartReplicationType: 'start-replication',
          RecoveryCheckpoint: 'checkpoint:V1#27#000000F1/4C000148#0#0#*#0#0',
          ReplicationStats: withoutUndefined({ ...REPLICATION_STATS_RAN, ...stats }),
        }),
    ...overrides,
  };
}

/** One row of DescribeTableStatistics / DescribeReplicationTableStatistics. */
export function tableStats(schema: string, table: string, state: string, fullLoadRows = 0): TableStatistics {
  const loaded = state === 'Table completed';
  return {
    SchemaName: schema,
    TableName: table,
    Inserts: 0,
    Deletes: 0,
    Updates: 0,
    Ddls: 0,
    AppliedInserts: 0,
    AppliedDeletes: 0,
    AppliedUpdates: 0,
    AppliedDdls: 0,
    FullLoadRows: fullLoadRows,
    FullLoadCondtnlChkFailedRows: 0,
    FullLoadErrorRows: 0,
    ...(state === 'Before load' ? {} : { FullLoadStartTime: at('09:00:21.044') }),
    ...(loaded ? { FullLoadEndTime: at('10:12:48.902') } : {}),
    FullLoadReloaded: false,
    LastUpdateTime: at('10:12:48.902'),
    TableState: state,
    ValidationPendingRecords: 0,
    ValidationFailedRecords: 0,
    ValidationSuspendedRecords: 0,
    ValidationState: 'Not enabled',
  };
}

const metadata = (httpStatusCode: number) => ({ httpStatusCode, requestId: 'e2c0f7b4-3a46-4c55-9e5e-7d4b1c6a8f21', attempts: 1, totalRetryDelay: 0 });

/** Errors shaped like the SDK deserialises them from DMS and CloudWatch responses. */
export const errors = {
  dmsThrottling: () =>
    new DatabaseMigrationServiceServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: metadata(400), message: 'Rate exceeded' }),
  dmsInternal: () =>
    new DatabaseMigrationServiceServiceException({ name: 'InternalFailure', $fault: 'server', $metadata: metadata(500), message: 'An internal error has occurred' }),
  taskNotFound: () => new ResourceNotFoundFault({ $metadata: metadata(400), message: 'No Tasks found matching provided filters' }),
  replicationNotFound: () => new ResourceNotFoundFault({ $metadata: metadata(400), message: 'No replication found matching provided filters' }),
  configNotFound: () => new ResourceNotFoundFault({ $metadata: metadata(400), message: 'Replication Config not found' }),
  taskInvalidState: () => new InvalidResourceStateFault({ $metadata: metadata(400), message: 'Replication Task cannot be started, invalid state' }),
  replicationInvalidState: () =>
    new InvalidResourceStateFault({
      $metadata: metadata(400),
      message: 'Replication for Replication Config: OZRAVXDSNFCUTG5UZNI6HRDWVY is in MODIFYING state and cannot start',
    }),
  accessDenied: () => new AccessDeniedFault({ $metadata: metadata(400), message: 'User is not authorized to perform: dms:StartReplicationTask' }),
  cloudWatchThrottling: () => new CloudWatchServiceException({ name: 'Throttling', $fault: 'client', $metadata: metadata(400), message: 'Rate exceeded' }),
};

export const sleep = vi.fn(async (_ms: number) => undefined);

/** An engine over real SDK clients, whose `send` aws-sdk-client-mock replaces. */
export function newEngine(resource: DmsResource, options: Partial<DmsEngineOptions> = {}): DmsEngine {
  return new DmsEngine({
    dms: new DatabaseMigrationServiceClient({ region: 'eu-west-1' }),
    cloudwatch: new CloudWatchClient({ region: 'eu-west-1' }),
    resource,
    now: () => NOW,
    currentTargetPosition: async () => '0/16B3748',
    retry: { sleep, random: () => 0.5, maxAttempts: 3 },
    ...options,
  });
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
