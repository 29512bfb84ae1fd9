import { Aws, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { rdsDatabaseOf, snapshotPlan, type MigrationConfig, type SwitchConfig } from '../../../lambdas/shared/migration-config';
import type { DmsResource } from '../../../lambdas/shared/replication/dms/resources';
import { snapshotNamePrefix } from '../../../lambdas/shared/restore-points/rds';
import type { StepNeed } from './steps';

/** What the step functions may touch: the resources behind each `StepNeed`. */
export interface StepResources {
  readonly checkpoints: dynamodb.ITableV2;
  readonly topic: sns.ITopic;
  /** Every database secret of the environment's migrations (source and target). */
  readonly databaseSecretArns: readonly string[];
  /** The deployed DMS replications (none for native-only environments). */
  readonly dms: readonly DmsResource[];
  /** Every migration's `switch`: what the clients read their database from. */
  readonly switches: readonly SwitchConfig[];
  /**
   * The rollback state machine's ARN, built from its physical name rather than referenced: the
   * state machines reference the functions, so a function that referenced one would make a cycle.
   * @default - no rollback workflow is deployed, and 'start-rollback' grants nothing
   */
  readonly rollbackStateMachineArn?: string;
  /**
   * The RDS instances and Aurora clusters the migrations name, and whether the cutover snapshots each.
   * @default [] - no migration names one: the 'rds-*' needs grant nothing
   */
  readonly rdsDatabases?: ReadonlyArray<{ readonly migrationId: string; readonly kind: 'instance' | 'cluster'; readonly id: string; readonly snapshot: boolean }>;
  /**
   * What 'schedule-finish' may touch: this stack's finish schedules (an ARN pattern in the default
   * schedule group) and the role they run as, which the step passes to EventBridge Scheduler.
   * @default - no finish workflow is deployed, and 'schedule-finish' grants nothing
   */
  readonly finishSchedules?: {
    readonly scheduleArnPattern: string;
    /** The pattern as cdk-nag spells it in its IAM5 finding. */
    readonly scheduleArnFinding: string;
    readonly schedulerRoleArn: string;
  };
  /**
   * The native parallel copy's task (lib/constructs/copy-task.ts): it grants its own actions.
   * @default - no native migration: the 'copy-task-*' needs grant nothing
   */
  readonly copyTask?: {
    grantRun(grantee: iam.IGrantable): readonly WildcardStatement[];
    grantList(grantee: iam.IGrantable): readonly WildcardStatement[];
  };
}

/** What the step functions may touch in an environment: its migrations' databases, switches and RDS databases, and the stack's resources. */
export function stepResourcesOf(
  migrations: readonly MigrationConfig[],
  stackResources: Pick<StepResources, 'checkpoints' | 'topic' | 'dms' | 'rollbackStateMachineArn' | 'finishSchedules' | 'copyTask'>,
): StepResources {
  return {
    checkpoints: stackResources.checkpoints,
    topic: stackResources.topic,
    databaseSecretArns: migrations.flatMap((m) => [m.source.secretArn, m.target.secretArn]),
    dms: stackResources.dms,
    switches: migrations.map((m) => m.switch),
    rdsDatabases: migrations.flatMap((m) => {
      const snapshots = new Set(snapshotPlan(m).map((p) => p.side));
      return (['source', 'target'] as const).flatMap((side) => {
        const db = rdsDatabaseOf(m[side]);
        return db ? [{ migrationId: m.id, ...db, snapshot: snapshots.has(side) }] : [];
      });
    }),
    rollbackStateMachineArn: stackResources.rollbackStateMachineArn,
    ...(stackResources.finishSchedules ? { finishSchedules: stackResources.finishSchedules } : {}),
    ...(stackResources.copyTask ? { copyTask: stackResources.copyTask } : {}),
  };
}

/** A statement with a wildcard resource, which cdk-nag reports (IAM5), and why it cannot name resources. */
export interface WildcardStatement {
  readonly actions: readonly string[];
  readonly reason: string;
  /**
   * The wildcard resource as cdk-nag spells it in the finding id (`AwsSolutions-IAM5[Resource::<this>]`).
   * @default '*'
   */
  readonly resource?: string;
}

/**
 * The DynamoDB calls the checkpoint store makes (lambdas/shared/checkpoints: GetCommand,
 * QueryCommand, PutCommand, UpdateCommand). A test keeps this list and that code in step.
 */
export const CHECKPOINT_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query'] as const;
export const CHECKPOINT_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem'] as const;

/**
 * DynamoDB uses the table's customer-managed key on the caller's behalf: reads need Decrypt,
 * writes also Encrypt and GenerateDataKey (the actions CDK's grantReadData/grantReadWriteData
 * give, spelled out instead of `GenerateDataKey*` / `ReEncrypt*`: the functions never re-key).
 */
const TABLE_KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];
const TABLE_KEY_WRITE_ACTIONS = ['kms:Encrypt', 'kms:GenerateDataKey'];

/** What the finish scheduler calls (CreateScheduleCommand, UpdateScheduleCommand, DeleteScheduleCommand). */
export const FINISH_SCHEDULE_ACTIONS = ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'] as const;

/** Publishing to an encrypted topic: SNS makes a data key with the publisher's permission. */
const TOPIC_KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'];

/**
 * DMS actions by resource kind. Those on `scoped` accept the task / replication-config ARN
 * (Service Authorization Reference: resource type ReplicationTask* / ReplicationConfig*); the
 * Describe* listings in `unscoped` support no resource-level permission and need `*`.
 */
const DMS_ACTIONS = {
  instance: {
    read: { scoped: ['dms:DescribeTableStatistics'], unscoped: ['dms:DescribeReplicationTasks'] },
    start: ['dms:StartReplicationTask', 'dms:ModifyReplicationTask'],
    stop: ['dms:StopReplicationTask'],
    // The lag metrics are dimensioned by the instance's identifier, which only this call returns.
    lag: ['dms:DescribeReplicationInstances'],
  },
  serverless: {
    read: { scoped: ['dms:DescribeReplicationTableStatistics'], unscoped: ['dms:DescribeReplications', 'dms:DescribeReplicationConfigs'] },
    start: ['dms:StartReplication', 'dms:ModifyReplicationConfig'],
    stop: ['dms:StopReplication'],
    lag: [],
  },
} as const;

/**
 * What the switch adapters (lambdas/shared/switch) call, by strategy. Reading a parameter or
 * secret is needed too: a switch first checks where the clients point, and writes nothing when
 * that is neither database. A test keeps these lists and the SDK commands the code imports in step.
 */
const SWITCH_ACTIONS = {
  ssm: ['ssm:GetParameter', 'ssm:PutParameter'],
  secret: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
  // ChangeResourceRecordSets is conditioned on the record name and type (below).
  route53Zone: ['route53:ListResourceRecordSets'],
  route53Change: ['route53:GetChange'],
  pgbouncer: ['secretsmanager:GetSecretValue'],
} as const;

/** The actions of SWITCH_ACTIONS and SWITCH_KEY_ACTIONS that only read: what 'switch-read' gets. */
const READ_ACTIONS = new Set(['ssm:GetParameter', 'secretsmanager:GetSecretValue', 'route53:ListResourceRecordSets', 'kms:Decrypt']);

/**
 * The parameter or secret may be a SecureString / secret encrypted with a customer-managed key
 * that the configuration does not name, so its key is granted on `*`, but only through that
 * service (`kms:ViaService`) and only for that very parameter or secret (the encryption context
 * each service sets: PARAMETER_ARN for SSM, SecretARN for Secrets Manager). AWS managed keys
 * (aws/ssm, aws/secretsmanager) need no grant; these statements then do nothing.
 */
const SWITCH_KEY_ACTIONS = {
  // Standard parameters are encrypted with Encrypt, advanced ones with a data key.
  ssm: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
  secret: ['kms:Decrypt', 'kms:GenerateDataKey'],
  pgbouncer: ['kms:Decrypt'],
} as const;

/** Route 53 change ids are made by each change, so GetChange cannot name one in advance. */
const ROUTE53_CHANGES = `arn:${Aws.PARTITION}:route53:::change/*`;
/** The same, as cdk-nag names it in its finding. */
const ROUTE53_CHANGES_FINDING = 'arn:<AWS::Partition>:route53:::change/*';

/**
 * Grants `role` exactly what `needs` says, on exactly the resources in `resources`. Returns the
 * statements it had to put on `*`, with the reason for each, for the cdk-nag acknowledgement.
 */
export function grantStepNeeds(role: iam.IGrantable, needs: readonly StepNeed[], resources: StepResources): WildcardStatement[] {
  const wildcards: WildcardStatement[] = [];
  const allow = (actions: readonly string[], resourceArns: readonly string[]) => {
    if (actions.length > 0 && resourceArns.length > 0) {
      iam.Grant.addToPrincipal({ grantee: role, actions: [...actions], resourceArns: [...resourceArns] });
    }
  };
  const allowAnywhere = (actions: readonly string[], reason: string) => {
    if (actions.length === 0) return;
    allow(actions, ['*']);
    wildcards.push({ actions, reason });
  };
  const addStatement = (statement: iam.PolicyStatementProps) => role.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement(statement));
  const kinds = new Set(resources.dms.map((r) => r.kind));
  const dmsArns = (kind: DmsResource['kind']) => resources.dms.filter((r) => r.kind === kind).flatMap((r) => [r.forwardArn, r.reverseArn]);

  for (const need of new Set(needs)) {
    switch (need) {
      case 'checkpoints-read':
      case 'checkpoints-read-write': {
        const write = need === 'checkpoints-read-write';
        resources.checkpoints.grant(role, ...CHECKPOINT_READ_ACTIONS, ...(write ? CHECKPOINT_WRITE_ACTIONS : []));
        resources.checkpoints.encryptionKey?.grant(role, ...TABLE_KEY_READ_ACTIONS, ...(write ? TABLE_KEY_WRITE_ACTIONS : []));
        break;
      }
      case 'database-secrets':
        allow(['secretsmanager:GetSecretValue'], unique(resources.databaseSecretArns));
        break;
      case 'dms-read':
        for (const kind of kinds) {
          allow(DMS_ACTIONS[kind].read.scoped, dmsArns(kind));
          allowAnywhere(DMS_ACTIONS[kind].read.unscoped, `DMS ${DMS_ACTIONS[kind].read.unscoped.join(', ')} support no resource-level permissions`);
        }
        break;
      case 'dms-start':
        for (const kind of kinds) allow(DMS_ACTIONS[kind].start, dmsArns(kind));
        break;
      case 'dms-stop':
        for (const kind of kinds) allow(DMS_ACTIONS[kind].stop, dmsArns(kind));
        break;
      case 'dms-lag':
        if (kinds.size === 0) break;
        allowAnywhere(['cloudwatch:GetMetricData'], 'cloudwatch:GetMetricData supports no resource-level permissions (it reads the AWS/DMS latency metrics)');
        for (const kind of kinds) {
          allowAnywhere(DMS_ACTIONS[kind].lag, `DMS ${DMS_ACTIONS[kind].lag.join(', ')} supports no resource-level permissions`);
        }
        break;
      case 'notify':
        allow(['sns:Publish'], [resources.topic.topicArn]);
        if (resources.topic.masterKey) resources.topic.masterKey.grant(role, ...TOPIC_KEY_ACTIONS);
        break;
      case 'switch':
        wildcards.push(...grantSwitches(resources, allow, addStatement, 'write'));
        break;
      case 'switch-read':
        wildcards.push(...grantSwitches(resources, allow, addStatement, 'read'));
        break;
      case 'start-rollback':
        if (resources.rollbackStateMachineArn) allow(['states:StartExecution'], [resources.rollbackStateMachineArn]);
        break;
      case 'rds-backups':
      case 'rds-snapshots':
        wildcards.push(...grantRds(need, resources, allow));
        break;
      case 'copy-task-read':
        wildcards.push(...(resources.copyTask?.grantList(role) ?? []));
        break;
      case 'copy-task-run':
        wildcards.push(...(resources.copyTask?.grantRun(role) ?? []));
        break;
      case 'schedule-finish':
        if (!resources.finishSchedules) break;
        // The calls lambdas/shared/finish-scheduler.ts makes; a schedule's ARN is its group and name.
        allow(FINISH_SCHEDULE_ACTIONS, [resources.finishSchedules.scheduleArnPattern]);
        addStatement({
          actions: ['iam:PassRole'],
          resources: [resources.finishSchedules.schedulerRoleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
        });
        wildcards.push({
          actions: FINISH_SCHEDULE_ACTIONS,
          resource: resources.finishSchedules.scheduleArnFinding,
          reason: "a finish schedule is named after its migration when a cutover creates it; the pattern is this stack's schedules in the default group only",
        });
        break;
      default:
        throw new Error(`unknown step need '${need satisfies never}'`);
    }
  }
  return wildcards;
}

/** The 'switch' need: each migration's switch target, and nothing else. */
function grantSwitches(
  resources: StepResources,
  allowAny: (actions: readonly string[], resourceArns: readonly string[]) => void,
  addStatement: (statement: iam.PolicyStatementProps) => void,
  mode: 'read' | 'write',
): WildcardStatement[] {
  const stack = resources.checkpoints.stack;
  // Reading where the clients point (a guardrail) needs only the reads of each strategy.
  const readOnly = (actions: readonly string[]) => (mode === 'write' ? actions : actions.filter((a) => READ_ACTIONS.has(a)));
  const allow = (actions: readonly string[], resourceArns: readonly string[]) => allowAny(readOnly(actions), resourceArns);
  const keyVia = (service: 'ssm' | 'secretsmanager', actions: readonly string[], contextKey: string, arn: string) =>
    addStatement({
      actions: [...readOnly(actions)],
      resources: ['*'],
      conditions: {
        StringEquals: { 'kms:ViaService': `${service}.${stack.region}.amazonaws.com`, [`kms:EncryptionContext:${contextKey}`]: arn },
      },
    });
  const keyReasons = new Set<string>();
  let route53 = false;
  for (const s of resources.switches) {
    switch (s.strategy) {
      case 'ssm-parameter': {
        // Parameter names are paths: /orders/db-endpoint -> parameter/orders/db-endpoint.
        const arn = stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: s.parameterName.slice(1) });
        allow(SWITCH_ACTIONS.ssm, [arn]);
        keyVia('ssm', SWITCH_KEY_ACTIONS.ssm, 'PARAMETER_ARN', arn);
        keyReasons.add('ssm');
        break;
      }
      case 'secrets-manager':
        allow(SWITCH_ACTIONS.secret, [s.secretArn]);
        keyVia('secretsmanager', SWITCH_KEY_ACTIONS.secret, 'SecretARN', s.secretArn);
        keyReasons.add('secretsmanager');
        break;
      case 'pgbouncer':
        allow(SWITCH_ACTIONS.pgbouncer, [s.adminSecretArn]);
        keyVia('secretsmanager', SWITCH_KEY_ACTIONS.pgbouncer, 'SecretARN', s.adminSecretArn);
        keyReasons.add('secretsmanager');
        break;
      case 'route53': {
        const zone = `arn:${Aws.PARTITION}:route53:::hostedzone/${s.hostedZoneId}`;
        allow(SWITCH_ACTIONS.route53Zone, [zone]);
        // Only this record, and only as a CNAME: the zone may hold the application's other records.
        if (mode === 'read') break;
        addStatement({
          actions: ['route53:ChangeResourceRecordSets'],
          resources: [zone],
          conditions: {
            'ForAllValues:StringEquals': {
              'route53:ChangeResourceRecordSetsNormalizedRecordNames': [normalizedRecordName(s.recordName)],
              'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
              // The switch only ever UPSERTs its record; it never creates others or deletes.
              'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
            },
          },
        });
        route53 = true;
        break;
      }
      default: {
        const unknown: never = s;
        throw new Error(`unknown switch strategy in ${JSON.stringify(unknown)}`);
      }
    }
  }
  const wildcards: WildcardStatement[] = [];
  if (keyReasons.size > 0) {
    const actions = readOnly(unique([...(keyReasons.has('ssm') ? SWITCH_KEY_ACTIONS.ssm : []), ...(keyReasons.has('secretsmanager') ? SWITCH_KEY_ACTIONS.secret : [])]));
    wildcards.push({
      actions,
      reason:
        `the switch's parameter or secret may be encrypted with a customer-managed key the configuration does not name; ` +
        `allowed only through ${[...keyReasons].join(' and ')} (kms:ViaService) and only for that parameter or secret (kms:EncryptionContext)`,
    });
  }
  if (route53 && mode === 'write') {
    allow(SWITCH_ACTIONS.route53Change, [ROUTE53_CHANGES]);
    wildcards.push({
      actions: SWITCH_ACTIONS.route53Change,
      resource: ROUTE53_CHANGES_FINDING,
      reason: 'a Route 53 change id exists only once the change is made (the switch waits for its record change to be INSYNC)',
    });
  }
  return wildcards;
}

/**
 * The RDS calls of lambdas/shared/restore-points/rds.ts. Reading backup settings names the
 * instance or cluster; a snapshot is created from it under a name Ferry gives it (ferry-<migration>-
 * <side>-<run hash>), so those grants name the snapshots by that prefix: they are made per cutover.
 */
function grantRds(need: 'rds-backups' | 'rds-snapshots', resources: StepResources, allow: (actions: readonly string[], arns: readonly string[]) => void): WildcardStatement[] {
  const stack = resources.checkpoints.stack;
  const arn = (resource: string) => `arn:${stack.partition}:rds:${stack.region}:${stack.account}:${resource}`;
  const spelled = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<${pseudo}>` : value);
  const finding = (resource: string) =>
    `arn:${spelled(stack.partition, 'AWS::Partition')}:rds:${spelled(stack.region, 'AWS::Region')}:${spelled(stack.account, 'AWS::AccountId')}:${resource}`;
  const wildcards: WildcardStatement[] = [];
  for (const db of resources.rdsDatabases ?? []) {
    const own = db.kind === 'instance' ? `db:${db.id}` : `cluster:${db.id}`;
    if (need === 'rds-backups') {
      allow([db.kind === 'instance' ? 'rds:DescribeDBInstances' : 'rds:DescribeDBClusters'], [arn(own)]);
      continue;
    }
    if (!db.snapshot) continue;
    const snapshots = `${db.kind === 'instance' ? 'snapshot' : 'cluster-snapshot'}:${snapshotNamePrefix(db.migrationId)}*`;
    const create = db.kind === 'instance' ? 'rds:CreateDBSnapshot' : 'rds:CreateDBClusterSnapshot';
    const read = db.kind === 'instance' ? 'rds:DescribeDBSnapshots' : 'rds:DescribeDBClusterSnapshots';
    allow([create], [arn(own)]);
    allow([create, read, 'rds:AddTagsToResource'], [arn(snapshots)]);
    wildcards.push({
      actions: [create, read, 'rds:AddTagsToResource'],
      resource: finding(snapshots),
      reason: `each cutover makes its own snapshot of ${db.id}, named when it starts; the pattern is migration ${db.migrationId}'s snapshots only`,
    });
  }
  return wildcards;
}

/** How Route 53 compares record names in IAM conditions: lower case, no trailing dot. */
function normalizedRecordName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
