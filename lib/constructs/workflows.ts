import { ArnFormat, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import * as path from 'node:path';
import { rdsDatabaseOf, snapshotPlan, type MigrationConfig } from '../../lambdas/shared/migration-config';
import { DMS_RESOURCES_ENV, type DmsResource } from '../../lambdas/shared/replication/dms/resources';
import { FINISH_SCHEDULER_ROLE_ARN_ENV, FINISH_STATE_MACHINE_ARN_ENV, SCHEDULE_PREFIX_ENV } from '../../lambdas/shared/finish-scheduler';
import { encodeMigrations, ROLLBACK_STATE_MACHINE_ARN_ENV } from '../../lambdas/shared/runtime-config';
import { readDefinition, relative, workflowNames, type WorkflowDefinition } from './workflows/definitions';
import { grantStepNeeds, type StepResources, type WildcardStatement } from './workflows/grants';
import { EXECUTION_ENDED_STEP, STATEMACHINES_DIR, STEP_FUNCTIONS, stepEntry, type StepFunctionSpec } from './workflows/steps';
import { switchMountOf } from './workflows/switch-mount';

export interface WorkflowsProps {
  /** The environment's migrations, as validated: the functions read them from FERRY_MIGRATIONS. */
  readonly migrations: readonly MigrationConfig[];
  /**
   * The deployed DMS replications by migration id (FERRY_DMS); DMS permissions name exactly these.
   * @default {} - no migration uses DMS
   */
  readonly dmsResources?: Readonly<Record<string, DmsResource>>;
  /** The checkpoint table (FERRY_TABLE_NAME). */
  readonly checkpoints: dynamodb.ITableV2;
  /** Where notifications go (FERRY_TOPIC_ARN). */
  readonly topic: sns.ITopic;
  /** Encrypts every log group this construct creates; its policy must let CloudWatch Logs use it. */
  readonly logsKey: kms.IKey;
  /** The VPC of `subnets`. */
  readonly vpc: ec2.IVpc;
  /** Private subnets the functions run in; they must reach both databases and the AWS APIs the steps call. */
  readonly subnets: readonly ec2.ISubnet[];
  /** Security groups of the functions; they must be allowed into both databases. */
  readonly securityGroups: readonly ec2.ISecurityGroup[];
  /**
   * Start of every physical name: functions `<prefix>-<step>`, state machines `<prefix>-<workflow>`.
   * @default - the stack name (`Ferry-<env>`)
   */
  readonly namePrefix?: string;
  /**
   * How long function and execution logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Keep the log groups when the stack is deleted (they are the record of what a migration did).
   * @default true
   */
  readonly retainLogs?: boolean;
  /**
   * The step functions.
   * @default STEP_FUNCTIONS
   */
  readonly steps?: readonly StepFunctionSpec[];
  /**
   * Folder of the step handlers, `<lambdasDir>/<step>/handler.ts`.
   * @default the repository's lambdas/
   */
  readonly lambdasDir?: string;
  /**
   * Folder of the `<workflow>.asl.json` definitions.
   * @default the repository's statemachines/
   */
  readonly definitionsDir?: string;
  /**
   * The workflows to deploy, by file name without `.asl.json`.
   * @default - every `*.asl.json` in `definitionsDir`
   */
  readonly workflows?: readonly string[];
}

/** A deployed workflow: its state machine and the functions its definition calls. */
export interface Workflow {
  readonly name: string;
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  /** The steps whose functions it may invoke, by step name. */
  readonly steps: readonly string[];
}

/** The workflow that rollback alarms and the `start-rollback` need start: statemachines/rollback.asl.json. */
export const ROLLBACK_WORKFLOW = 'rollback';

/** The workflow a cutover schedules for the end of its observation window: statemachines/finish.asl.json. */
export const FINISH_WORKFLOW = 'finish';

/** Lambda's limit on the size of a function's environment variables (4 KB). */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/** Standard workflows run at most a year. */
const MAX_WORKFLOW_SECONDS = 365 * 24 * 3600;

const REPO_ROOT = path.join(__dirname, '..', '..');

/**
 * Ferry's workflows: one Step Functions state machine per `statemachines/<workflow>.asl.json`
 * and one Lambda function per step (`./workflows/steps.ts`).
 *
 * **Definitions.** Deployed from the files as they are (`DefinitionBody.fromFile`), with each
 * `${XxxFunctionArn}` substituted by that step's function ARN; a placeholder no step provides
 * fails synth, naming the file. File-based definitions get no invoke permission from CDK, so the
 * state machine's role may invoke exactly the functions its file names (unqualified ARNs: the
 * definitions call no version or alias). The overall timeout is the file's `TimeoutSeconds`,
 * which must be there (the local runner reads the same file). Standard workflows, every event
 * logged with execution data (state holds ids, ARNs and summaries, never credentials) to a log
 * group encrypted with `logsKey`, and X-Ray tracing.
 *
 * **Functions.** NodejsFunction (esbuild; minified, with source maps) on the newest Node.js
 * runtime CDK knows (nodejs24.x) on arm64, in the given subnets and security groups, with
 * X-Ray active and an encrypted log group each. The AWS SDK is bundled, not taken from the
 * runtime: the versions in package-lock.json are the ones the tests ran against. Each function
 * has its own role with exactly what its `needs` say (`./workflows/grants.ts`) plus its log
 * group and the network interfaces Lambda needs in a VPC; no managed policy.
 *
 * **PgBouncer switch.** The functions whose needs include `switch` mount the migrations'
 * `switch.fileSystem` (an EFS access point, `./workflows/switch-mount.ts`), where a PgBouncer
 * switch rewrites its `databasesFile`. A PgBouncer switch without one, or two different ones in
 * one environment (a function mounts at most one file system), fail synth.
 *
 * **Rollback.** The functions whose needs include `start-rollback` get the rollback state
 * machine's ARN in FERRY_ROLLBACK_STATE_MACHINE_ARN and may start exactly that one. The ARN is
 * built from the machine's physical name (`<prefix>-rollback`): referencing the machine would make
 * a cycle, since it references the functions.
 *
 * **Ended executions.** Catch states release a migration's lock when a step fails, but an
 * execution that is stopped or times out runs no more states, and one whose own failure handling
 * failed (a back-out that failed too) may end with a database frozen. An EventBridge rule sends
 * every execution that did not succeed (ABORTED, TIMED_OUT, FAILED) to the `execution-ended`
 * step, which releases a lock the execution still holds and, when it left the migration in
 * `cutting-over` or `rolling-back`, starts the rollback workflow once to finish the job.
 */
export class Workflows extends Construct {
  /** The step functions, by step name (`compare`). */
  public readonly functions: Readonly<Record<string, nodejs.NodejsFunction>>;
  /** The workflows, by name (`migrate`). */
  public readonly workflows: Readonly<Record<string, Workflow>>;
  /** Sends aborted, timed-out and failed executions of these state machines to `execution-ended`. */
  public readonly executionEndedRule: events.Rule;
  /** The role EventBridge Scheduler starts the finish workflow as; undefined when no finish workflow is deployed. */
  public readonly finishSchedulerRole?: iam.Role;

  constructor(scope: Construct, id: string, props: WorkflowsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const prefix = props.namePrefix ?? stack.stackName;
    const steps = props.steps ?? STEP_FUNCTIONS;
    const dir = props.definitionsDir ?? STATEMACHINES_DIR;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    const removalPolicy = (props.retainLogs ?? true) ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const dmsResources = props.dmsResources ?? {};

    checkRegistry(steps);
    const definitions = (props.workflows ?? workflowNames(dir)).map((name) => readDefinition(dir, name));
    if (definitions.length === 0) throw new Error(`Workflows: no workflow definitions (*.asl.json) in ${dir}`);
    for (const definition of definitions) checkDefinition(definition, steps);
    if (!steps.some((s) => s.step === EXECUTION_ENDED_STEP)) {
      throw new Error(`Workflows: the steps must include '${EXECUTION_ENDED_STEP}', which releases the lock of a stopped or timed-out execution`);
    }

    const environment: Record<string, string> = {
      FERRY_MIGRATIONS: encodeMigrations(props.migrations),
      FERRY_TABLE_NAME: props.checkpoints.tableName,
      FERRY_TOPIC_ARN: props.topic.topicArn,
      [DMS_RESOURCES_ENV]: stack.toJsonString(dmsResources),
      // Lambda's Node.js 20+ runtimes no longer trust the extra CAs (among them the RDS CAs)
      // unless told to: verify-full needs them.
      NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
      // The bundles carry source maps: stack traces name the TypeScript files and lines.
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'ferry',
      POWERTOOLS_METRICS_NAMESPACE: 'Ferry',
    };
    // Built from the name, not referenced: the state machines reference the functions, so a
    // function whose environment or policy referenced the rollback state machine would make a
    // cycle. Only the functions that start it get the variable and the grant.
    const rollbackStateMachineArn = definitions.some((d) => d.name === ROLLBACK_WORKFLOW)
      ? stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: `${prefix}-${ROLLBACK_WORKFLOW}`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })
      : undefined;
    const rollbackEnvironment: Record<string, string> = rollbackStateMachineArn ? { [ROLLBACK_STATE_MACHINE_ARN_ENV]: rollbackStateMachineArn } : {};
    const startsRollback = (spec: StepFunctionSpec) => spec.needs.includes('start-rollback');
    const finish = definitions.some((d) => d.name === FINISH_WORKFLOW) ? this.finishScheduling(prefix) : undefined;
    this.finishSchedulerRole = finish?.role;
    const schedulesFinish = (spec: StepFunctionSpec) => spec.needs.includes('schedule-finish');
    const functionEnvironment = (spec: StepFunctionSpec) => ({
      ...environment,
      ...(startsRollback(spec) ? rollbackEnvironment : {}),
      ...(schedulesFinish(spec) && finish ? finish.environment : {}),
    });
    checkEnvironmentSize(
      { ...environment, ...(steps.some(startsRollback) ? rollbackEnvironment : {}), ...(finish?.environment ?? {}) },
      props.migrations.length,
      dmsResources,
      stack,
    );

    const resources: StepResources = {
      checkpoints: props.checkpoints,
      topic: props.topic,
      databaseSecretArns: props.migrations.flatMap((m) => [m.source.secretArn, m.target.secretArn]),
      dms: Object.values(dmsResources),
      switches: props.migrations.map((m) => m.switch),
      rdsDatabases: props.migrations.flatMap((m) => {
        const snapshots = new Set(snapshotPlan(m).map((p) => p.side));
        return (['source', 'target'] as const).flatMap((side) => {
          const db = rdsDatabaseOf(m[side]);
          return db ? [{ migrationId: m.id, ...db, snapshot: snapshots.has(side) }] : [];
        });
      }),
      rollbackStateMachineArn,
      ...(finish ? { finishSchedules: finish.grants } : {}),
    };
    const switchMount = switchMountOf(this, props.migrations);
    const functions: Record<string, nodejs.NodejsFunction> = {};
    for (const spec of steps) {
      const name = `${prefix}-${spec.step}`;
      const logGroup = new logs.LogGroup(this, `${pascalCase(spec.step)}Logs`, {
        logGroupName: `/aws/lambda/${name}`,
        encryptionKey: props.logsKey,
        retention: logRetention,
        removalPolicy,
      });
      const role = new iam.Role(this, `${pascalCase(spec.step)}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `Ferry step ${spec.step}: ${spec.needs.join(', ') || 'no AWS access'}`,
      });
      logGroup.grantWrite(role);
      iam.Grant.addToPrincipal({ grantee: role, actions: [...LAMBDA_VPC_ACTIONS], resourceArns: ['*'] });
      // X-Ray's statement on * comes from `tracing: ACTIVE`.
      const mount = spec.needs.includes('switch') || spec.needs.includes('switch-read') ? switchMount : undefined;
      const wildcards: WildcardStatement[] = [...FUNCTION_WILDCARDS, ...grantStepNeeds(role, spec.needs, resources), ...(mount ? [mount.wildcard] : [])];

      const fn = new nodejs.NodejsFunction(this, `${pascalCase(spec.step)}Function`, {
        functionName: name,
        description: `Ferry: ${spec.description}`,
        entry: stepEntry(spec.step, props.lambdasDir),
        handler: 'handler',
        projectRoot: REPO_ROOT,
        depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: spec.memoryMb,
        timeout: Duration.seconds(spec.timeoutSeconds),
        role,
        logGroup,
        tracing: lambda.Tracing.ACTIVE,
        vpc: props.vpc,
        vpcSubnets: { subnets: [...props.subnets] },
        securityGroups: [...props.securityGroups],
        environment: functionEnvironment(spec),
        // The mount's statements go to the role with it (ClientMount and ClientWrite through the access point).
        ...(mount ? { filesystem: mount.mount() } : {}),
        bundling: BUNDLING,
      });
      for (const [resource, statements] of groupBy(wildcards, (w) => w.resource ?? '*')) {
        Validations.of(role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${resource}]`,
          reason: `Only for actions that cannot name a resource: ${statements.map((w) => `${w.actions.join(', ')} (${w.reason})`).join('; ')}`,
        });
      }
      functions[spec.step] = fn;
    }
    this.functions = functions;

    const byPlaceholder = new Map(steps.map((s) => [s.placeholder, s.step]));
    const workflows: Record<string, Workflow> = {};
    for (const definition of definitions) {
      const workflowSteps = definition.placeholders.map((p) => byPlaceholder.get(p)!);
      const logGroup = new logs.LogGroup(this, `${pascalCase(definition.name)}ExecutionLogs`, {
        // The /aws/vendedlogs/ prefix keeps Step Functions from growing the account's log resource policy.
        logGroupName: `/aws/vendedlogs/states/${prefix}-${definition.name}`,
        encryptionKey: props.logsKey,
        retention: logRetention,
        removalPolicy,
      });
      const stateMachine = new sfn.StateMachine(this, `${pascalCase(definition.name)}StateMachine`, {
        stateMachineName: `${prefix}-${definition.name}`,
        stateMachineType: sfn.StateMachineType.STANDARD,
        definitionBody: sfn.DefinitionBody.fromFile(definition.file),
        definitionSubstitutions: Object.fromEntries(definition.placeholders.map((p) => [p, functions[byPlaceholder.get(p)!]!.functionArn])),
        logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
        tracingEnabled: true,
      });
      // Definitions from a file get no permissions from CDK: exactly the functions the file calls.
      iam.Grant.addToPrincipal({
        grantee: stateMachine,
        actions: ['lambda:InvokeFunction'],
        resourceArns: workflowSteps.map((step) => functions[step]!.functionArn),
      });
      Validations.of(stateMachine.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only what CDK adds for logging and tracing, which cannot name a resource: the CloudWatch Logs log-delivery actions ' +
          '(logs:CreateLogDelivery and related; Step Functions delivers logs through them) and X-Ray trace upload and sampling',
      });
      workflows[definition.name] = { name: definition.name, stateMachine, logGroup, steps: workflowSteps };
    }
    this.workflows = workflows;

    this.executionEndedRule = new events.Rule(this, 'ExecutionEndedRule', {
      description: 'Ferry: a workflow execution was stopped, timed out or failed; release its lock, finish what it left half-way',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          status: ['ABORTED', 'TIMED_OUT', 'FAILED'],
          stateMachineArn: Object.values(workflows).map((w) => w.stateMachine.stateMachineArn),
        },
      },
      targets: [
        new targets.LambdaFunction(functions[EXECUTION_ENDED_STEP]!, {
          // The lock's lease also expires on its own; these retries just release it sooner.
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });
  }

  /**
   * The role EventBridge Scheduler runs the finish schedules as (it may start the finish state
   * machine and nothing else, for this account only), and what the scheduling step needs to know.
   * The state machine's ARN is built from its name, as the rollback's is, to avoid a cycle.
   */
  private finishScheduling(prefix: string) {
    const stack = Stack.of(this);
    const stateMachineArn = stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: `${prefix}-${FINISH_WORKFLOW}`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const role = new iam.Role(this, 'FinishSchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: 'Ferry: EventBridge Scheduler starts the finish workflow when an observation window ends',
      inlinePolicies: {
        StartFinish: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [stateMachineArn] })] }),
      },
    });
    const scheduleArnPattern = stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `default/${prefix}-*` });
    const spelled = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<${pseudo}>` : value);
    const scheduleArnFinding =
      `arn:${spelled(stack.partition, 'AWS::Partition')}:scheduler:${spelled(stack.region, 'AWS::Region')}:${spelled(stack.account, 'AWS::AccountId')}:` +
      `schedule/default/${spelled(prefix, 'AWS::StackName')}-*`;
    return {
      environment: { [FINISH_STATE_MACHINE_ARN_ENV]: stateMachineArn, [FINISH_SCHEDULER_ROLE_ARN_ENV]: role.roleArn, [SCHEDULE_PREFIX_ENV]: prefix },
      grants: { scheduleArnPattern, scheduleArnFinding, schedulerRoleArn: role.roleArn },
      role,
    };
  }
}

/** What Lambda needs to attach a function to a VPC (the actions of AWSLambdaVPCAccessExecutionRole). */
const LAMBDA_VPC_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

/** The statements on `*` that every function has, and why. */
const FUNCTION_WILDCARDS: readonly WildcardStatement[] = [
  {
    actions: LAMBDA_VPC_ACTIONS,
    reason:
      "Lambda manages the function's network interfaces in the VPC: they do not exist before Lambda creates them, " +
      'and the Describe actions support no resource-level permissions',
  },
  { actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], reason: 'X-Ray trace upload supports no resource-level permissions' },
];

/**
 * One bundling configuration for every function, so that the same step bundles once per synth
 * even with several environments (CDK caches an asset by its source and bundling options).
 * The AWS SDK is bundled (no `externalModules: ['@aws-sdk/*']`): the runtime's copy is a
 * version we never tested and changes under us. `pg-native` is pg's optional native binding,
 * which pg loads only on request.
 */
const BUNDLING: nodejs.BundlingOptions = {
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  target: 'node24',
  format: nodejs.OutputFormat.CJS,
  externalModules: ['pg-native'],
  logLevel: nodejs.LogLevel.ERROR,
};

function checkRegistry(steps: readonly StepFunctionSpec[]): void {
  for (const key of ['step', 'placeholder'] as const) {
    const seen = new Set<string>();
    for (const spec of steps) {
      if (seen.has(spec[key])) throw new Error(`Workflows: two steps have the ${key} '${spec[key]}'`);
      seen.add(spec[key]);
    }
  }
}

function checkDefinition(definition: WorkflowDefinition, steps: readonly StepFunctionSpec[]): void {
  const where = relative(definition.file);
  const known = new Set(steps.map((s) => s.placeholder));
  const unknown = definition.placeholders.filter((p) => !known.has(p));
  if (unknown.length > 0) {
    throw new Error(
      `${where} uses ${unknown.map((p) => `\${${p}}`).join(', ')}, which no step function provides ` +
        `(add the step to lib/constructs/workflows/steps.ts; known: ${[...known].sort().join(', ')})`,
    );
  }
  const timeout = definition.timeoutSeconds;
  if (timeout === undefined || !Number.isInteger(timeout) || timeout < 1 || timeout > MAX_WORKFLOW_SECONDS) {
    throw new Error(
      `${where}: TimeoutSeconds must be a whole number of seconds from 1 to ${MAX_WORKFLOW_SECONDS} (one year): ` +
        `every workflow needs an overall timeout, got ${timeout === undefined ? 'none' : JSON.stringify(timeout)}`,
    );
  }
}

/**
 * Fails synth when the functions' environment would not fit Lambda's 4 KB, which otherwise fails
 * only at deploy time. Counted as JSON (escaped quotes included), the larger of the ways to count
 * it; values that are not known before deployment (table name, ARNs) are counted long.
 */
function checkEnvironmentSize(
  environment: Record<string, string>,
  migrations: number,
  dms: Readonly<Record<string, DmsResource>>,
  stack: Stack,
): void {
  const estimated = Object.fromEntries(
    Object.entries(environment).map(([key, value]) => [key, Token.isUnresolved(value) ? longestValueOf(key, dms, stack) : value]),
  );
  const bytes = Buffer.byteLength(JSON.stringify(estimated));
  if (bytes > LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
    throw new Error(
      `Workflows: the functions' environment would take about ${bytes} bytes, over Lambda's limit of ${LAMBDA_ENVIRONMENT_LIMIT_BYTES}: ` +
        `FERRY_MIGRATIONS holds all ${migrations} migrations of the environment (${Buffer.byteLength(environment.FERRY_MIGRATIONS!)} bytes, compressed). ` +
        'Split the migrations over more environments.',
    );
  }
}

/** A value at least as long as the deploy-time value of `key` (generated names stay well under 128 characters). */
function longestValueOf(key: string, dms: Readonly<Record<string, DmsResource>>, stack: Stack): string {
  const region = Token.isUnresolved(stack.region) ? 'ap-southeast-99' : stack.region;
  const arn = (service: string, resource: string) => `arn:aws-us-gov:${service}:${region}:123456789012:${resource}`;
  switch (key) {
    case DMS_RESOURCES_ENV:
      return JSON.stringify(
        Object.fromEntries(
          Object.entries(dms).map(([id, r]) => {
            const longest = arn('dms', `${r.kind === 'serverless' ? 'replication-config' : 'task'}:${'X'.repeat(32)}`);
            return [id, { kind: r.kind, forwardArn: longest, reverseArn: longest }];
          }),
        ),
      );
    case 'FERRY_TOPIC_ARN':
      return arn('sns', 'X'.repeat(128));
    case ROLLBACK_STATE_MACHINE_ARN_ENV:
    case FINISH_STATE_MACHINE_ARN_ENV:
      return arn('states', `stateMachine:${'X'.repeat(80)}`);
    case FINISH_SCHEDULER_ROLE_ARN_ENV:
      return `arn:aws-us-gov:iam::123456789012:role/${'X'.repeat(64)}`;
    default:
      return 'X'.repeat(128);
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/** `start-replication` -> `StartReplication`, for construct and output ids. */
function pascalCase(id: string): string {
  return id
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
