import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { pascalCase } from '../../ids';
import { relative, type WorkflowDefinition } from './definitions';

/** A step function as a workflow calls it, through the placeholder of its ARN (a `StepFunction` is one). */
export interface WorkflowStep {
  /** The step's name (`lock`). */
  readonly step: string;
  /** The `${Placeholder}` of its ARN in the definitions, without `${}` (`LockFunctionArn`). */
  readonly placeholder: string;
  /** The function's ARN, unqualified. */
  readonly functionArn: string;
}

export interface WorkflowProps {
  /** The definition file, read (./definitions.ts): its name, its placeholders and its TimeoutSeconds. */
  readonly definition: WorkflowDefinition;
  /** Every step function the definitions may call; the workflow invokes those its file names. */
  readonly steps: readonly WorkflowStep[];
  /** Encrypts the execution log group; its policy must let CloudWatch Logs use it. */
  readonly logsKey: kms.IKey;
  /**
   * Start of the state machine's name: `<prefix>-<workflow>`.
   * @default - the stack name (`Ferry-<env>`)
   */
  readonly namePrefix?: string;
  /**
   * How long the execution log is kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Keep the execution log group when the stack is deleted.
   * @default true
   */
  readonly retainLogs?: boolean;
}

const DEFAULTS = {
  logRetention: logs.RetentionDays.ONE_YEAR,
  retainLogs: true,
} as const satisfies Partial<WorkflowProps>;

/** Standard workflows run at most a year. */
const MAX_WORKFLOW_SECONDS = 365 * 24 * 3600;

/**
 * One workflow: a standard Step Functions state machine deployed from its
 * `statemachines/<workflow>.asl.json` as it is (`DefinitionBody.fromFile`), each
 * `${XxxFunctionArn}` substituted by that step's function ARN. A placeholder no step provides, or
 * a file without an overall `TimeoutSeconds` (1 s to a year; the local runner reads the same file),
 * fails synth naming the file. File-based definitions get no invoke permission from CDK, so its
 * role may invoke exactly the functions its file names (unqualified ARNs: the definitions call no
 * version or alias). Every event is logged with execution data (state holds ids, ARNs and
 * summaries, never credentials) to a log group encrypted with `logsKey`; X-Ray tracing is on.
 *
 * It is the state machine itself, created with the caller's id; its log group is created beside
 * it in the caller's scope, as `<Workflow>ExecutionLogs`, so that both keep the logical ids they
 * had when `Workflows` created them itself.
 */
export class Workflow extends sfn.StateMachine {
  /** The workflow's name, its file's without `.asl.json` (`migrate`). */
  public readonly name: string;
  /** Where its executions are logged. */
  public readonly logGroup: logs.LogGroup;
  /** The steps whose functions it may invoke, by step name, in the order of their placeholders. */
  public readonly steps: readonly string[];

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    const { definition } = props;
    const called = stepsCalledBy(definition, props.steps);
    const name = `${props.namePrefix ?? Stack.of(scope).stackName}-${definition.name}`;
    const logGroup = new logs.LogGroup(scope, `${pascalCase(definition.name)}ExecutionLogs`, {
      // The /aws/vendedlogs/ prefix keeps Step Functions from growing the account's log resource policy.
      logGroupName: `/aws/vendedlogs/states/${name}`,
      encryptionKey: props.logsKey,
      retention: props.logRetention ?? DEFAULTS.logRetention,
      removalPolicy: (props.retainLogs ?? DEFAULTS.retainLogs) ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      stateMachineName: name,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromFile(definition.file),
      definitionSubstitutions: Object.fromEntries(called.map((s) => [s.placeholder, s.functionArn])),
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    this.name = definition.name;
    this.logGroup = logGroup;
    this.steps = called.map((s) => s.step);
    // Definitions from a file get no permissions from CDK: exactly the functions the file calls.
    iam.Grant.addToPrincipal({ grantee: this, actions: ['lambda:InvokeFunction'], resourceArns: called.map((s) => s.functionArn) });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only what CDK adds for logging and tracing, which cannot name a resource: the CloudWatch Logs log-delivery actions ' +
        '(logs:CreateLogDelivery and related; Step Functions delivers logs through them) and X-Ray trace upload and sampling',
    });
  }
}

/** The steps a definition calls, in the order of its placeholders; throws, naming the file, when one is unknown or the timeout is missing. */
function stepsCalledBy(definition: WorkflowDefinition, steps: readonly WorkflowStep[]): WorkflowStep[] {
  const where = relative(definition.file);
  const byPlaceholder = new Map(steps.map((s) => [s.placeholder, s]));
  const unknown = definition.placeholders.filter((p) => !byPlaceholder.has(p));
  if (unknown.length > 0) {
    throw new Error(
      `${where} uses ${unknown.map((p) => `\${${p}}`).join(', ')}, which no step function provides ` +
        `(add the step to lib/constructs/workflows/steps.ts; known: ${[...byPlaceholder.keys()].sort().join(', ')})`,
    );
  }
  const timeout = definition.timeoutSeconds;
  if (timeout === undefined || !Number.isInteger(timeout) || timeout < 1 || timeout > MAX_WORKFLOW_SECONDS) {
    throw new Error(
      `${where}: TimeoutSeconds must be a whole number of seconds from 1 to ${MAX_WORKFLOW_SECONDS} (one year): ` +
        `every workflow needs an overall timeout, got ${timeout === undefined ? 'none' : JSON.stringify(timeout)}`,
    );
  }
  return definition.placeholders.map((p) => byPlaceholder.get(p)!);
}
