import { CfnOutput, Duration, Stack, Tags, Validations, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { dmsEgressPeers } from '../lambdas/shared/migration-config';
import type { EnvironmentConfig } from './config';
import { ENVIRONMENT_TAG, pascalCase } from './ids';
import { AsyncFunctionWatch } from './constructs/async-function-watch';
import { CheckpointTable } from './constructs/checkpoint-table';
import { CopyTask } from './constructs/copy-task';
import { Dashboard } from './constructs/dashboard';
import { DmsReplication } from './constructs/dms-replication';
import { DRIFT_WORKFLOW, DriftSchedule } from './constructs/drift-schedule';
import { EncryptionKey } from './constructs/encryption-key';
import { Notifications } from './constructs/notifications';
import { ReplicationMonitor } from './constructs/replication-monitor';
import { RollbackAlarms } from './constructs/rollback-alarms';
import { StallAlarm } from './constructs/stall-alarm';
import { VerificationAlarms } from './constructs/verification-alarms';
import { VerificationSchedule } from './constructs/verification-schedule';
import { ROLLBACK_WORKFLOW, Workflows } from './constructs/workflows';
import { EXECUTION_ENDED_STEP } from './constructs/workflows/steps';

export interface FerryStackProps extends StackProps {
  /** Environment name from cdk.json (`dev`, `prod`, ...). */
  readonly environmentName: string;
  /** The environment's validated configuration. */
  readonly config: EnvironmentConfig;
}

/** Everything Ferry deploys into one environment. Wiring only: each concern is its own construct. */
export class FerryStack extends Stack {
  public readonly encryptionKey: EncryptionKey;
  public readonly checkpoints: CheckpointTable;
  public readonly notifications: Notifications;
  /** One per migration whose engine is DMS (none for native), keyed by migration id. */
  public readonly dmsReplications: Readonly<Record<string, DmsReplication>>;
  /** Where native migrations' parallel copies run (ECS Fargate); undefined without a native migration. */
  public readonly copyTask?: CopyTask;
  /** The state machines and the Lambda functions of their steps. */
  public readonly workflows: Workflows;
  /** Runs the replication-monitor step every minute, for every migration. */
  public readonly replicationMonitor: ReplicationMonitor;
  /** One per migration with `rollback.enabled`, keyed by migration id. */
  public readonly rollbackAlarms: Readonly<Record<string, RollbackAlarms>>;
  /** One per migration (DISABLED when `drift.enabled` is false), keyed by migration id. */
  public readonly driftSchedules: Readonly<Record<string, DriftSchedule>>;
  /** Runs a continuous-verification round for every migration every minute. */
  public readonly verificationSchedule: VerificationSchedule;
  /** The asynchronously invoked functions' dead-letter queues and alarms, by step. */
  public readonly functionWatches: Readonly<Record<string, AsyncFunctionWatch>>;
  /** One per migration: differences found, capture slots keeping too much WAL. */
  public readonly verificationAlarms: Readonly<Record<string, VerificationAlarms>>;
  /** One per migration: no replication progress for `thresholds.stallMinutes` while there is work. */
  public readonly stallAlarms: Readonly<Record<string, StallAlarm>>;
  /** `Ferry-<env>`: every migration's progress and every alarm's status. Created last, so that it finds every alarm. */
  public readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: FerryStackProps) {
    const { config, environmentName } = props;
    super(scope, id, {
      ...props,
      env: { account: config.account, region: config.region },
      description: `Ferry: PostgreSQL migrations for the ${environmentName} environment`,
      terminationProtection: config.retainStatefulResources,
    });
    Tags.of(this).add(ENVIRONMENT_TAG, environmentName);

    this.encryptionKey = new EncryptionKey(this, 'EncryptionKey', {
      aliasName: `ferry-${environmentName}`,
      retain: config.retainStatefulResources,
    });
    this.checkpoints = new CheckpointTable(this, 'Checkpoints', {
      retain: config.retainStatefulResources,
      encryptionKey: this.encryptionKey.key,
    });
    this.notifications = new Notifications(this, 'Notifications', {
      encryptionKey: this.encryptionKey.key,
      emails: config.notifications.emails,
      extraTopicArn: config.notifications.extraTopicArn,
    });

    new CfnOutput(this, 'CheckpointTableName', { value: this.checkpoints.table.tableName });
    new CfnOutput(this, 'NotificationTopicArn', { value: this.notifications.topic.topicArn });

    // Imported by id and zones only: synth stays offline (no lookup) and nothing is created.
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: config.network.vpcId,
      availabilityZones: config.network.availabilityZones,
    });
    const dmsReplications: Record<string, DmsReplication> = {};
    for (const migration of config.migrations) {
      if (migration.replication.engine === 'native') continue;
      const name = `Dms${pascalCase(migration.id)}`;
      const replication = new DmsReplication(this, name, {
        migrationId: migration.id,
        source: migration.source,
        target: migration.target,
        replication: migration.replication,
        egress: dmsEgressPeers(migration),
        tables: migration.tables,
        vpc,
        subnetIds: config.network.subnetIds,
        encryptionKey: this.encryptionKey.key,
        loadTuning: migration.fullLoad.dms,
      });
      dmsReplications[migration.id] = replication;
      const what = replication.resource.kind === 'serverless' ? 'replication config' : 'replication task';
      new CfnOutput(this, `${name}ForwardArn`, {
        description: `Migration ${migration.id}: DMS ${what} source to target (full load and CDC), started by the migrate workflow`,
        value: replication.resource.forwardArn,
      });
      new CfnOutput(this, `${name}ReverseArn`, {
        description: `Migration ${migration.id}: DMS ${what} target to source (CDC only), the way back: started by the cutover, drained by a rollback`,
        value: replication.resource.reverseArn,
      });
      const ports = [...new Set([migration.source.port, migration.target.port])].join(' and ');
      new CfnOutput(this, `${name}SecurityGroupId`, {
        description:
          `Migration ${migration.id}: security group of the DMS replication. Allow it inbound (TCP ${ports}) in the ` +
          'security groups of the source and target databases, or DMS cannot connect to them.',
        value: replication.securityGroup.securityGroupId,
      });
    }
    this.dmsReplications = dmsReplications;

    const subnets = config.network.subnetIds.map((subnetId, i) => {
      const subnet = ec2.Subnet.fromSubnetAttributes(this, `Subnet${i + 1}`, { subnetId, availabilityZone: config.network.availabilityZones[i]! });
      Validations.of(subnet).acknowledge({
        id: 'Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId',
        reason: 'Imported by id and zone only, so that synth needs no lookup; Ferry attaches functions to the subnet and never reads its route table',
      });
      return subnet;
    });
    const securityGroups = config.network.securityGroupIds.map((securityGroupId, i) =>
      // mutable: false, so CDK adds no rules to groups it does not own.
      ec2.SecurityGroup.fromSecurityGroupId(this, `FunctionSecurityGroup${i + 1}`, securityGroupId, { mutable: false }),
    );
    // Only where a migration replicates natively: the parallel copy is that engine's.
    const nativeMigrations = config.migrations.filter((m) => m.replication.engine === 'native');
    this.copyTask =
      nativeMigrations.length > 0
        ? new CopyTask(this, 'CopyTask', { migrations: nativeMigrations, vpc, subnets, securityGroups, logsKey: this.encryptionKey.key, retainLogs: config.retainStatefulResources })
        : undefined;
    this.workflows = new Workflows(this, 'Workflows', {
      ...(this.copyTask ? { copyTask: this.copyTask } : {}),
      migrations: config.migrations,
      dmsResources: Object.fromEntries(Object.entries(dmsReplications).map(([id, replication]) => [id, replication.resource])),
      checkpoints: this.checkpoints.table,
      topic: this.notifications.topic,
      logsKey: this.encryptionKey.key,
      vpc,
      subnets,
      securityGroups,
      retainLogs: config.retainStatefulResources,
    });
    for (const workflow of Object.values(this.workflows.workflows)) {
      const name = pascalCase(workflow.name);
      new CfnOutput(this, `${name}StateMachineArn`, {
        description: `The ${workflow.name} workflow: start an execution with {"migrationId": "<id>"} (examples in statemachines/examples/)`,
        value: workflow.stateMachineArn,
      });
      new CfnOutput(this, `${name}ConsoleUrl`, {
        description: `The ${workflow.name} workflow in the Step Functions console`,
        value: `https://${this.region}.console.aws.amazon.com/states/home?region=${this.region}#/statemachines/view/${workflow.stateMachineArn}`,
      });
    }

    const monitorFunction = this.workflows.functions[REPLICATION_MONITOR_STEP];
    if (!monitorFunction) throw new Error(`FerryStack: the step registry has no '${REPLICATION_MONITOR_STEP}' step, which the rollback alarms need`);
    this.replicationMonitor = new ReplicationMonitor(this, 'ReplicationMonitor', {
      monitorFunction,
      migrationIds: config.migrations.map((m) => m.id),
    });
    const verifyFunction = this.workflows.functions[VERIFY_CHANGES_STEP];
    if (!verifyFunction) throw new Error(`FerryStack: the step registry has no '${VERIFY_CHANGES_STEP}' step, which continuous verification needs`);
    this.verificationSchedule = new VerificationSchedule(this, 'VerificationSchedule', {
      verifyFunction,
      migrationIds: config.migrations.map((m) => m.id),
    });
    // The functions AWS invokes asynchronously: none may fail or stop unheard.
    const watched: readonly { step: string; purpose: string; silentAfter?: Duration }[] = [
      { step: EXECUTION_ENDED_STEP, purpose: 'releases the lock of executions that ended without their own failure handling and finishes what they left half-way' },
      { step: REPLICATION_MONITOR_STEP, purpose: "publishes each migration's replication health, lag and progress for the rollback and stall alarms", silentAfter: Duration.minutes(5) },
      { step: VERIFY_CHANGES_STEP, purpose: 'verifies the rows changed since the last round on both databases', silentAfter: Duration.minutes(10) },
    ];
    this.functionWatches = Object.fromEntries(
      watched.map(({ step, purpose, silentAfter }) => {
        const fn = this.workflows.functions[step];
        if (!fn) throw new Error(`FerryStack: the step registry has no '${step}' step`);
        return [step, new AsyncFunctionWatch(this, `${pascalCase(step)}Watch`, { fn, step, purpose, topic: this.notifications.topic, ...(silentAfter ? { silentAfter } : {}) })];
      }),
    );
    this.verificationAlarms = Object.fromEntries(
      config.migrations.map((migration) => [
        migration.id,
        new VerificationAlarms(this, `VerificationAlarms${pascalCase(migration.id)}`, {
          migrationId: migration.id,
          settleMs: migration.verification.settleMs,
          maxSlotWalMb: migration.verification.maxSlotWalMb,
          slotWalAlarmMb: migration.verification.slotWalAlarmMb,
          topic: this.notifications.topic,
        }),
      ]),
    );
    const rollbackAlarms: Record<string, RollbackAlarms> = {};
    for (const migration of config.migrations) {
      if (!migration.rollback.enabled) continue;
      const rollback = this.workflows.workflows[ROLLBACK_WORKFLOW];
      if (!rollback) {
        throw new Error(`FerryStack: migration '${migration.id}' has rollback enabled, but there is no ${ROLLBACK_WORKFLOW} workflow (statemachines/${ROLLBACK_WORKFLOW}.asl.json)`);
      }
      const { maxLagSeconds, periodSeconds, evaluationPeriods, datapointsToAlarm, metrics, alarmNames } = migration.rollback;
      rollbackAlarms[migration.id] = new RollbackAlarms(this, `RollbackAlarms${pascalCase(migration.id)}`, {
        migrationId: migration.id,
        engine: migration.replication.engine,
        maxLagSeconds,
        periodSeconds,
        evaluationPeriods,
        datapointsToAlarm,
        metrics,
        alarmNames,
        rollbackStateMachine: rollback,
        topic: this.notifications.topic,
      });
    }
    this.rollbackAlarms = rollbackAlarms;

    const drift = this.workflows.workflows[DRIFT_WORKFLOW];
    if (!drift) throw new Error(`FerryStack: there is no ${DRIFT_WORKFLOW} workflow (statemachines/${DRIFT_WORKFLOW}.asl.json), which the drift schedules start`);
    const driftSchedules: Record<string, DriftSchedule> = {};
    for (const migration of config.migrations) {
      const name = `DriftSchedule${pascalCase(migration.id)}`;
      const { schedule: expression, timeZone, enabled, data } = migration.drift;
      const schedule = new DriftSchedule(this, name, {
        migrationId: migration.id,
        schedule: expression,
        timeZone,
        enabled,
        data,
        driftStateMachine: drift,
        topic: this.notifications.topic,
        encryptionKey: this.encryptionKey.key,
      });
      driftSchedules[migration.id] = schedule;
      new CfnOutput(this, `${name}Name`, {
        description:
          `Migration ${migration.id}: EventBridge Scheduler schedule of the drift checks, ${expression} ${timeZone}, ` +
          `${enabled ? 'ENABLED' : 'DISABLED'} (drift.enabled in cdk.json); alarm ${schedule.name}`,
        value: schedule.schedule.scheduleName,
      });
    }
    this.driftSchedules = driftSchedules;

    this.stallAlarms = Object.fromEntries(
      config.migrations.map((migration) => [
        migration.id,
        new StallAlarm(this, `StallAlarm${pascalCase(migration.id)}`, {
          migrationId: migration.id,
          stallMinutes: migration.thresholds.stallMinutes,
          engine: migration.replication.engine,
          topic: this.notifications.topic,
        }),
      ]),
    );
    // Last: it shows every alarm created above (and synth fails for one created after it).
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: this.stackName,
      migrationIds: config.migrations.map((m) => m.id),
      stateMachines: this.workflows.workflows,
    });
    new CfnOutput(this, 'DashboardUrl', {
      description: 'The CloudWatch dashboard of this environment: every migration and every Ferry alarm',
      value: `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${this.stackName}`,
    });
  }
}

/** The step that publishes the metrics the rollback alarms watch (lib/constructs/workflows/steps.ts). */
const REPLICATION_MONITOR_STEP = 'replication-monitor';
/** The step the verification schedule runs. */
const VERIFY_CHANGES_STEP = 'verify-changes';
