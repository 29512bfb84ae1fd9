import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { MigrationConfig } from '../../lambdas/shared/migration-config';
import type { DmsResource } from '../../lambdas/shared/replication/dms/resources';
import { COPY_TASK_ENV } from '../../lambdas/shared/replication/native/ecs-copy-runner';
import { pascalCase } from '../ids';
import type { CopyTask } from './copy-task';
import { readDefinition, workflowNames } from './workflows/definitions';
import { stepEnvironment } from './workflows/environment';
import { finishSchedulingOf, stateMachineArnOf } from './workflows/finish-scheduling';
import { stepResourcesOf } from './workflows/grants';
import { StepFunction } from './workflows/step-function';
import { EXECUTION_ENDED_STEP, STATEMACHINES_DIR, STEP_FUNCTIONS, type StepFunctionSpec } from './workflows/steps';
import { switchMountOf } from './workflows/switch-mount';
import { Workflow } from './workflows/workflow';

export { LAMBDA_ENVIRONMENT_LIMIT_BYTES } from './workflows/environment';
export { Workflow } from './workflows/workflow';

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
  /**
   * Where the native engine's parallel copy runs: the steps that read or change a native
   * replication get FERRY_COPY_TASK and exactly the ECS actions their needs say.
   * @default - none: native migrations copy every table through PostgreSQL's table sync
   */
  readonly copyTask?: CopyTask;
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

const DEFAULTS = {
  dmsResources: {},
  logRetention: logs.RetentionDays.ONE_YEAR,
  retainLogs: true,
  steps: STEP_FUNCTIONS,
  definitionsDir: STATEMACHINES_DIR,
} as const satisfies Partial<WorkflowsProps>;

/** The workflow that rollback alarms and the `start-rollback` need start: statemachines/rollback.asl.json. */
export const ROLLBACK_WORKFLOW = 'rollback';

/** The workflow a cutover schedules for the end of its observation window: statemachines/finish.asl.json. */
export const FINISH_WORKFLOW = 'finish';

/**
 * Ferry's workflows: one Step Functions state machine per `statemachines/<workflow>.asl.json`
 * and one Lambda function per step (`./workflows/steps.ts`), and what ties them together: the
 * functions' environment (`./workflows/environment.ts`), the finish scheduler's role, the
 * PgBouncer switch's file system, and the rule that handles executions that ended badly.
 *
 * **Functions.** A `StepFunction` per registered step (`./workflows/step-function.ts`): its own
 * role with exactly what its `needs` say, its own encrypted log group, in the given subnets.
 *
 * **Definitions.** A `Workflow` per definition file (`./workflows/workflow.ts`): the file as it
 * is, each `${XxxFunctionArn}` substituted by that step's function ARN, invoking exactly the
 * functions its file names; a placeholder no step provides, or a file without `TimeoutSeconds`,
 * fails synth naming the file.
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
  public readonly functions: Readonly<Record<string, StepFunction>>;
  /** The workflows, by name (`migrate`). */
  public readonly workflows: Readonly<Record<string, Workflow>>;
  /** Sends aborted, timed-out and failed executions of these state machines to `execution-ended`. */
  public readonly executionEndedRule: events.Rule;
  /** The role EventBridge Scheduler starts the finish workflow as; undefined when no finish workflow is deployed. */
  public readonly finishSchedulerRole?: iam.Role;

  constructor(scope: Construct, id: string, props: WorkflowsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const namePrefix = props.namePrefix ?? stack.stackName;
    const steps = props.steps ?? DEFAULTS.steps;
    const dmsResources = props.dmsResources ?? DEFAULTS.dmsResources;
    const logging = { logsKey: props.logsKey, namePrefix, logRetention: props.logRetention ?? DEFAULTS.logRetention, retainLogs: props.retainLogs ?? DEFAULTS.retainLogs };
    const definitions = readDefinitions(props.definitionsDir ?? DEFAULTS.definitionsDir, props.workflows, steps);
    const deploys = (workflow: string) => definitions.some((d) => d.name === workflow);

    // Built from the name, not referenced: the state machines reference the functions, so a
    // function whose environment or policy referenced one would make a cycle.
    const rollbackStateMachineArn = deploys(ROLLBACK_WORKFLOW) ? stateMachineArnOf(stack, `${namePrefix}-${ROLLBACK_WORKFLOW}`) : undefined;
    const finish = deploys(FINISH_WORKFLOW) ? finishSchedulingOf(this, namePrefix, FINISH_WORKFLOW) : undefined;
    this.finishSchedulerRole = finish?.role;
    const { migrations, checkpoints, topic } = props;
    const copyTask = props.copyTask && { [COPY_TASK_ENV]: stack.toJsonString(props.copyTask.record) };
    const environment = stepEnvironment(stack, { migrations, checkpoints, topic, dmsResources, rollbackStateMachineArn, finish: finish?.environment, copyTask }, steps);
    const resources = stepResourcesOf(migrations, {
      checkpoints,
      topic,
      dms: Object.values(dmsResources),
      rollbackStateMachineArn,
      finishSchedules: finish?.grants,
      ...(props.copyTask ? { copyTask: props.copyTask } : {}),
    });
    const switchMount = switchMountOf(this, migrations);

    const functions = steps.map(
      (spec) =>
        new StepFunction(this, `${pascalCase(spec.step)}Function`, {
          ...logging,
          spec,
          environment: environment(spec),
          resources,
          vpc: props.vpc,
          subnets: props.subnets,
          securityGroups: props.securityGroups,
          switchMount,
          lambdasDir: props.lambdasDir,
        }),
    );
    this.functions = Object.fromEntries(functions.map((fn) => [fn.step, fn]));
    this.workflows = Object.fromEntries(
      definitions.map((definition) => [definition.name, new Workflow(this, `${pascalCase(definition.name)}StateMachine`, { ...logging, definition, steps: functions })]),
    );

    this.executionEndedRule = executionEndedRule(this, Object.values(this.workflows), this.functions[EXECUTION_ENDED_STEP]!);
  }
}

/** `ExecutionEndedRule`: sends the executions of `workflows` that did not succeed to the execution-ended step's function. */
function executionEndedRule(scope: Construct, workflows: readonly Workflow[], executionEnded: StepFunction): events.Rule {
  return new events.Rule(scope, 'ExecutionEndedRule', {
    description: 'Ferry: a workflow execution was stopped, timed out or failed; release its lock, finish what it left half-way',
    eventPattern: {
      source: ['aws.states'],
      detailType: ['Step Functions Execution Status Change'],
      detail: { status: ['ABORTED', 'TIMED_OUT', 'FAILED'], stateMachineArn: workflows.map((w) => w.stateMachineArn) },
    },
    targets: [
      new targets.LambdaFunction(executionEnded, {
        // The lock's lease also expires on its own; these retries just release it sooner.
        retryAttempts: 8,
        maxEventAge: Duration.hours(2),
      }),
    ],
  });
}

/** The definitions to deploy, read; throws when there are none, or the registry is not one the workflows can run on. */
function readDefinitions(dir: string, names: readonly string[] | undefined, steps: readonly StepFunctionSpec[]) {
  for (const key of ['step', 'placeholder'] as const) {
    const seen = new Set<string>();
    for (const spec of steps) {
      if (seen.has(spec[key])) throw new Error(`Workflows: two steps have the ${key} '${spec[key]}'`);
      seen.add(spec[key]);
    }
  }
  const definitions = (names ?? workflowNames(dir)).map((name) => readDefinition(dir, name));
  if (definitions.length === 0) throw new Error(`Workflows: no workflow definitions (*.asl.json) in ${dir}`);
  if (!steps.some((s) => s.step === EXECUTION_ENDED_STEP)) {
    throw new Error(`Workflows: the steps must include '${EXECUTION_ENDED_STEP}', which releases the lock of a stopped or timed-out execution`);
  }
  return definitions;
}
