import { readFileSync } from 'node:fs';
import { CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CheckpointStore, createDocumentClient } from '../../../lambdas/shared/checkpoints';
import type { WORKFLOW_INPUT_SCHEMAS } from '../../../lambdas/shared/workflow-inputs';
import { ENVIRONMENTS_CONTEXT_KEY, parseEnvironments, type EnvironmentConfig } from '../../../lib/config';
import { pascalCase } from '../../../lib/ids';
import { awsClientConfig } from '../aws';
import { DEFAULT_CDK_JSON } from '../config-command';
import type { CliIo } from '../io';
import { awsCall, DeployedEnvironmentError } from './aws-errors';

/** The workflows an operator starts, by name (statemachines/<name>.asl.json). */
export type WorkflowName = keyof typeof WORKFLOW_INPUT_SCHEMAS;
/** Typed by the input schemas, so it names every workflow; a list rather than the schemas' keys, which would load the preflight checks and pg. */
const WORKFLOWS: { readonly [W in WorkflowName]: true } = { migrate: true, cutover: true, rollback: true, finish: true, drift: true };
export const WORKFLOW_NAMES = Object.keys(WORKFLOWS) as readonly WorkflowName[];

export interface DeployedEnvironmentOptions {
  /** The environment's name in cdk.json (`dev`, `prod`). */
  readonly env: string;
  /** @default DEFAULT_CDK_JSON (the repository's cdk.json) */
  readonly cdkJson?: string;
}

/** The SDK clients a command against the environment uses, all on its account and region. */
export interface DeployedClients {
  readonly sfn: SFNClient;
  readonly cloudwatch: CloudWatchClient;
  readonly store: CheckpointStore;
}

/** A deployed `Ferry-<env>` stack, found and checked: what the commands against AWS work on. */
export interface DeployedEnvironment {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  /** `Ferry-<env>`. */
  readonly stackName: string;
  /** The stack's `CheckpointTableName` output. */
  readonly tableName: string;
  /** Each workflow's state machine (`<Workflow>StateMachineArn` outputs); a workflow the stack does not deploy is absent. */
  readonly stateMachineArns: Readonly<Partial<Record<WorkflowName, string>>>;
  /** The environment's configuration from cdk.json (its migrations, thresholds). */
  readonly config: EnvironmentConfig;
  readonly clients: DeployedClients;
  /** The Step Functions console page of an execution. */
  executionConsoleUrl(executionArn: string): string;
  /** The state machine of `workflow`, or an error saying the stack does not deploy it. */
  stateMachineArn(workflow: WorkflowName): string;
  /** Closes the clients' connections. */
  close(): void;
}

/** The stack `addFerryStacks` makes for an environment (lib/ferry-app.ts). */
export const stackNameOf = (env: string) => `Ferry-${env}`;

/** The Step Functions console page of an execution, in `region`. */
export const executionConsoleUrl = (region: string, executionArn: string) =>
  `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;

/**
 * Opens environment `options.env`: its account and region from cdk.json, credentials from the
 * standard AWS chain (through `io.env`), the caller's account checked against the config, and the
 * stack's outputs read. Every failure is one DeployedEnvironmentError line (exit 2), or a
 * ConfigError (exit 1) when cdk.json itself is invalid.
 */
export async function openDeployedEnvironment(options: DeployedEnvironmentOptions, io: CliIo): Promise<DeployedEnvironment> {
  const config = environmentConfig(options);
  const { account, region } = config;
  const stackName = stackNameOf(options.env);
  const clientConfig = (service: string) => ({ ...awsClientConfig(io.env, service), region });

  const sts = new STSClient(clientConfig('STS'));
  const cloudformation = new CloudFormationClient(clientConfig('CLOUDFORMATION'));
  let stack: Stack;
  try {
    const identity = await awsCall('sts:GetCallerIdentity', () => sts.send(new GetCallerIdentityCommand({})));
    if (identity.Account !== account) {
      throw new DeployedEnvironmentError(
        `the AWS credentials are for account ${identity.Account ?? '(unknown)'}, but environment '${options.env}' is account ${account} (cdk.json): use credentials for ${account}`,
      );
    }
    stack = await describeStack(cloudformation, stackName, account, region);
  } finally {
    sts.destroy();
    cloudformation.destroy();
  }

  const outputs = Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  const tableName = outputs.CheckpointTableName;
  if (!tableName) {
    throw new DeployedEnvironmentError(`stack ${stackName} (${stack.StackStatus}) has no output CheckpointTableName: finish deploying it with \`npx cdk deploy ${stackName}\``);
  }
  const stateMachineArns: Partial<Record<WorkflowName, string>> = {};
  for (const workflow of WORKFLOW_NAMES) {
    const arn = outputs[`${pascalCase(workflow)}StateMachineArn`];
    if (arn) stateMachineArns[workflow] = arn;
  }

  const dynamo = awsClientConfig(io.env, 'DYNAMODB');
  const documentClient = createDocumentClient({ region, endpoint: dynamo.endpoint, credentials: dynamo.credentials });
  const sfn = new SFNClient(clientConfig('SFN'));
  const cloudwatch = new CloudWatchClient(clientConfig('CLOUDWATCH'));
  const store = new CheckpointStore({ client: documentClient, tableName, now: () => io.now() });
  return {
    name: options.env,
    account,
    region,
    stackName,
    tableName,
    stateMachineArns,
    config,
    clients: { sfn, cloudwatch, store },
    executionConsoleUrl: (arn) => executionConsoleUrl(region, arn),
    stateMachineArn(workflow) {
      const arn = stateMachineArns[workflow];
      if (arn === undefined) {
        throw new DeployedEnvironmentError(`stack ${stackName} deploys no ${workflow} workflow (no output ${pascalCase(workflow)}StateMachineArn)`);
      }
      return arn;
    },
    close() {
      sfn.destroy();
      cloudwatch.destroy();
      documentClient.destroy();
    },
  };
}

/** Opens the environment, runs `body` with it, and closes it again. */
export async function withDeployedEnvironment<T>(options: DeployedEnvironmentOptions, io: CliIo, body: (env: DeployedEnvironment) => Promise<T>): Promise<T> {
  const env = await openDeployedEnvironment(options, io);
  try {
    return await body(env);
  } finally {
    env.close();
  }
}

/** The environment's configuration, as `ferry config --env` reads it; an unknown name lists the known ones. */
export function environmentConfig(options: DeployedEnvironmentOptions): EnvironmentConfig {
  const file = options.cdkJson ?? DEFAULT_CDK_JSON;
  const context = JSON.parse(readFileSync(file, 'utf8')).context ?? {};
  const environments = parseEnvironments(context[ENVIRONMENTS_CONTEXT_KEY]);
  const config = environments[options.env];
  if (config === undefined) {
    throw new DeployedEnvironmentError(`--env: no environment '${options.env}' in ${file} (known: ${Object.keys(environments).join(', ')})`);
  }
  return config;
}

async function describeStack(cloudformation: CloudFormationClient, stackName: string, account: string, region: string): Promise<Stack> {
  const notDeployed = () =>
    new DeployedEnvironmentError(`stack ${stackName} is not deployed in account ${account}, region ${region}: deploy it with \`npx cdk deploy ${stackName}\``);
  try {
    const out = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = out.Stacks?.[0];
    if (stack === undefined || stack.StackStatus === 'DELETE_COMPLETE') throw notDeployed();
    return stack;
  } catch (error) {
    // CloudFormation's answer for a stack that does not exist: ValidationError "Stack with id X does not exist".
    if (error instanceof Error && error.name === 'ValidationError' && /does not exist/.test(error.message)) throw notDeployed();
    return awsCall('cloudformation:DescribeStacks', () => Promise.reject(error));
  }
}
