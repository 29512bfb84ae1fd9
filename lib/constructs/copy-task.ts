import { Aws, IgnoreMode, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import * as path from 'node:path';
import type { CopyTask as CopyTaskRecord } from '../../lambdas/shared/replication/native/ecs-copy-runner';
import { FERRY_NAMESPACE, FERRY_SERVICE } from '../../lambdas/shared/catalog/metrics';
import type { MigrationConfig } from '../../lambdas/shared/migration-config';
import { encodeMigrations } from '../../lambdas/shared/runtime-config';
import type { WildcardStatement } from './workflows/grants';

export interface CopyTaskProps {
  /** The environment's native migrations: the task reads them from FERRY_MIGRATIONS, as the functions do. */
  readonly migrations: readonly MigrationConfig[];
  /** The VPC of `subnets`. */
  readonly vpc: ec2.IVpc;
  /** Where the task runs: the functions' private subnets, which reach both databases and Secrets Manager. */
  readonly subnets: readonly ec2.ISubnet[];
  /** The functions' security groups, which the databases let in. */
  readonly securityGroups: readonly ec2.ISecurityGroup[];
  /** Encrypts the task's log group. */
  readonly logsKey: kms.IKey;
  /** `<prefix>-copy`: the task definition's family and the cluster's name. @default - the stack name */
  readonly namePrefix?: string;
  /** vCPU units of the task (1024 = 1 vCPU); a copy worker uses about one. @default 2048 */
  readonly cpu?: number;
  /** Memory of the task in MiB. @default 4096 */
  readonly memoryMiB?: number;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** @default true */
  readonly retainLogs?: boolean;
}

const REPO_ROOT = path.join(__dirname, '..', '..');

/** What the image is built from: the lock files and lambdas/ (copy-task/Dockerfile), nothing else of the repository. */
const IMAGE_SOURCES = ['**', '!package.json', '!package-lock.json', '!tsconfig.json', '!lambdas/**', '!copy-task/**'];

/**
 * Where the native engine's parallel copy runs: an ECS cluster (Container Insights on) and a
 * Fargate task definition (arm64, read-only root file system, the unprivileged `node` user,
 * logging to a log group encrypted with the stack key). The steps start it with RunTask
 * (lambdas/shared/replication/native/ecs-copy-runner.ts) in their own subnets and security groups,
 * because a copy holds one exported snapshot for as long as it runs, which no Lambda invocation
 * could. It holds no secret: its role may read the migrations' database secrets, as the functions'.
 * The image is built from copy-task/Dockerfile by `cdk deploy` (Docker needed where it runs).
 */
export class CopyTask extends Construct {
  public readonly cluster: ecs.Cluster;
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  /** What the steps read from FERRY_COPY_TASK. */
  public readonly record: CopyTaskRecord;
  /** The task definition's family, for the RunTask grant on every revision. */
  public readonly family: string;
  /** Every revision of the task definition: what RunTask is granted on. */
  public readonly taskDefinitionPattern: string;
  /** Every task of the cluster: what StopTask is granted on. */
  public readonly taskPattern: string;

  constructor(scope: Construct, id: string, props: CopyTaskProps) {
    super(scope, id);
    const name = `${props.namePrefix ?? Stack.of(this).stackName}-copy`;
    this.family = name;
    const stack = Stack.of(this);
    this.taskDefinitionPattern = `arn:${Aws.PARTITION}:ecs:${stack.region}:${stack.account}:task-definition/${name}:*`;
    this.taskPattern = `arn:${Aws.PARTITION}:ecs:${stack.region}:${stack.account}:task/${name}/*`;
    this.cluster = new ecs.Cluster(this, 'Cluster', { clusterName: name, vpc: props.vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/ferry/${name}`,
      encryptionKey: props.logsKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: (props.retainLogs ?? true) ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: name,
      cpu: props.cpu ?? 2048,
      memoryLimitMiB: props.memoryMiB ?? 4096,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    const container = this.taskDefinition.addContainer('Copier', {
      containerName: 'copier',
      image: ecs.ContainerImage.fromAsset(REPO_ROOT, { file: 'copy-task/Dockerfile', exclude: IMAGE_SOURCES, ignoreMode: IgnoreMode.DOCKER, platform: ecrAssets.Platform.LINUX_ARM64 }),
      readonlyRootFilesystem: true,
      // The task's memory, as a hard limit of the one container (Control Tower CT.ECS.PR.7).
      memoryLimitMiB: props.memoryMiB ?? 4096,
      user: 'node',
      essential: true,
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'copy' }),
      environment: {
        FERRY_MIGRATIONS: encodeMigrations(props.migrations),
        AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
        POWERTOOLS_SERVICE_NAME: FERRY_SERVICE,
        POWERTOOLS_METRICS_NAMESPACE: FERRY_NAMESPACE,
      },
    });
    const secrets = [...new Set(props.migrations.flatMap((m) => [m.source.secretArn, m.target.secretArn]))];
    if (secrets.length > 0) iam.Grant.addToPrincipal({ grantee: this.taskDefinition.taskRole, actions: ['secretsmanager:GetSecretValue'], resourceArns: secrets });
    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'The environment holds the migrations’ configuration only (hosts, ports, secret ARNs), never a secret value: the copier reads the database credentials from Secrets Manager at run time',
    });
    Validations.of(this.taskDefinition.obtainExecutionRole()).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ECS pulls the image with ecr:GetAuthorizationToken, which supports no resource-level permission; the pull itself is on the asset repository only',
    });
    this.record = {
      cluster: this.cluster.clusterArn,
      taskDefinition: this.taskDefinition.taskDefinitionArn,
      container: container.containerName,
      subnets: props.subnets.map((s) => s.subnetId),
      securityGroups: props.securityGroups.map((g) => g.securityGroupId),
    };
  }

  /** Lets `grantee` run, list and stop this task, and pass its roles to ECS: what a step that starts or stops a copy needs. */
  grantRun(grantee: iam.IGrantable): WildcardStatement[] {
    // As cdk-nag spells the patterns in its findings: the partition a reference, region and account as the stack has them.
    const stack = Stack.of(this);
    const where = `arn:<AWS::Partition>:ecs:${Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region}:${Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account}`;
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:RunTask'],
        resources: [this.taskDefinitionPattern],
        conditions: { ArnEquals: { 'ecs:cluster': this.cluster.clusterArn } },
      }),
    );
    iam.Grant.addToPrincipal({ grantee, actions: ['ecs:StopTask'], resourceArns: [this.taskPattern] });
    iam.Grant.addToPrincipal({ grantee, actions: ['iam:PassRole'], resourceArns: [this.taskDefinition.taskRole.roleArn, this.taskDefinition.obtainExecutionRole().roleArn] });
    return [
      ...this.grantList(grantee),
      {
        actions: ['ecs:RunTask'],
        reason: 'every revision of the copy task definition (a deploy makes a new one while a step may still run the last), in the copy cluster only',
        resource: `${where}:task-definition/${this.family}:*`,
      },
      {
        actions: ['ecs:StopTask'],
        reason: 'a task ARN is made when the task starts; the pattern is the copy cluster’s tasks only',
        resource: `${where}:task/${this.family}/*`,
      },
    ];
  }

  /**
   * Lets `grantee` find this cluster's running copy tasks, which every step that reads the native
   * replication's status does. ListTasks names no resource that exists before the call: it is on
   * `*`, held to this cluster by `ecs:cluster`. Returns that statement for the cdk-nag acknowledgement.
   */
  grantList(grantee: iam.IGrantable): WildcardStatement[] {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['ecs:ListTasks'], resources: ['*'], conditions: { ArnEquals: { 'ecs:cluster': this.cluster.clusterArn } } }),
    );
    return [{ actions: ['ecs:ListTasks'], reason: 'ECS ListTasks takes no resource that exists before the call; the statement is held to the copy cluster by ecs:cluster' }];
  }
}
