import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import * as path from 'node:path';
import { pascalCase } from '../../ids';
import { grantStepNeeds, type StepResources, type WildcardStatement } from './grants';
import { LAMBDAS_DIR, stepEntry, type StepFunctionSpec } from './steps';
import type { SwitchMount } from './switch-mount';

export interface StepFunctionProps {
  /** The step, as the registry (./steps.ts) has it: name, placeholder, description, timeout, memory and needs. */
  readonly spec: StepFunctionSpec;
  /** The function's environment variables (`stepEnvironment` in ./environment.ts). */
  readonly environment: Readonly<Record<string, string>>;
  /** What the step's needs are granted on (`grantStepNeeds` in ./grants.ts). */
  readonly resources: StepResources;
  /** Encrypts the function's log group; its policy must let CloudWatch Logs use it. */
  readonly logsKey: kms.IKey;
  /** The VPC of `subnets`. */
  readonly vpc: ec2.IVpc;
  /** Private subnets the function runs in. */
  readonly subnets: readonly ec2.ISubnet[];
  /** Security groups of the function. */
  readonly securityGroups: readonly ec2.ISecurityGroup[];
  /**
   * The PgBouncer switch's file system, mounted when the step's needs include `switch` or `switch-read`.
   * @default - nothing is mounted
   */
  readonly switchMount?: SwitchMount;
  /**
   * Start of the function's name: `<prefix>-<step>`, logging to `/aws/lambda/<prefix>-<step>`.
   * @default - the stack name (`Ferry-<env>`)
   */
  readonly namePrefix?: string;
  /**
   * How long the function's log is kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Keep the log group when the stack is deleted (it is the record of what a migration did).
   * @default true
   */
  readonly retainLogs?: boolean;
  /**
   * Folder of the step handlers, `<lambdasDir>/<step>/handler.ts`.
   * @default the repository's lambdas/
   */
  readonly lambdasDir?: string;
}

const DEFAULTS = {
  logRetention: logs.RetentionDays.ONE_YEAR,
  retainLogs: true,
  lambdasDir: LAMBDAS_DIR,
} as const satisfies Partial<StepFunctionProps>;

const REPO_ROOT = path.join(__dirname, '..', '..', '..');

/**
 * The Lambda function of one workflow step: a NodejsFunction (esbuild; minified, with source maps)
 * on the newest Node.js runtime CDK knows (nodejs24.x) on arm64, in the given subnets and security
 * groups, X-Ray active, logging to a log group of its own encrypted with `logsKey`. The AWS SDK is
 * bundled, not taken from the runtime: the versions in package-lock.json are the ones the tests
 * ran against. Its own role has exactly what the step's `needs` say (./grants.ts) plus its log
 * group and the network interfaces Lambda needs in a VPC; no managed policy. The statements that
 * must be on `*` are acknowledged to cdk-nag, each with its reason.
 *
 * It is the function itself, created with the caller's id; its log group and role are created
 * beside it in the caller's scope, as `<Step>Logs` and `<Step>Role`, so that all three keep the
 * logical ids they had when `Workflows` created them itself.
 */
export class StepFunction extends nodejs.NodejsFunction {
  /** The step's name (`compare`). */
  public readonly step: string;
  /** The placeholder the definitions use for this function's ARN (`CompareFunctionArn`). */
  public readonly placeholder: string;

  constructor(scope: Construct, id: string, props: StepFunctionProps) {
    const { spec } = props;
    const name = `${props.namePrefix ?? Stack.of(scope).stackName}-${spec.step}`;
    const logGroup = new logs.LogGroup(scope, `${pascalCase(spec.step)}Logs`, {
      logGroupName: `/aws/lambda/${name}`,
      encryptionKey: props.logsKey,
      retention: props.logRetention ?? DEFAULTS.logRetention,
      removalPolicy: (props.retainLogs ?? DEFAULTS.retainLogs) ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(scope, `${pascalCase(spec.step)}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Ferry step ${spec.step}: ${spec.needs.join(', ') || 'no AWS access'}`,
    });
    logGroup.grantWrite(role);
    iam.Grant.addToPrincipal({ grantee: role, actions: [...LAMBDA_VPC_ACTIONS], resourceArns: ['*'] });
    // X-Ray's statement on * comes from `tracing: ACTIVE`.
    const mount = spec.needs.includes('switch') || spec.needs.includes('switch-read') ? props.switchMount : undefined;
    const wildcards: WildcardStatement[] = [...FUNCTION_WILDCARDS, ...grantStepNeeds(role, spec.needs, props.resources), ...(mount ? [mount.wildcard] : [])];

    super(scope, id, {
      functionName: name,
      description: `Ferry: ${spec.description}`,
      entry: stepEntry(spec.step, props.lambdasDir ?? DEFAULTS.lambdasDir),
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
      environment: { ...props.environment },
      // The mount's statements go to the role with it (ClientMount and ClientWrite through the access point).
      ...(mount ? { filesystem: mount.mount() } : {}),
      bundling: BUNDLING,
    });
    this.step = spec.step;
    this.placeholder = spec.placeholder;
    for (const [resource, statements] of groupBy(wildcards, (w) => w.resource ?? '*')) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${resource}]`,
        reason: `Only for actions that cannot name a resource: ${statements.map((w) => `${w.actions.join(', ')} (${w.reason})`).join('; ')}`,
      });
    }
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

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
