import { Token, type Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { FERRY_NAMESPACE, FERRY_SERVICE } from '../../../lambdas/shared/catalog/metrics';
import { FINISH_SCHEDULER_ROLE_ARN_ENV, FINISH_STATE_MACHINE_ARN_ENV } from '../../../lambdas/shared/finish-scheduler';
import type { MigrationConfig } from '../../../lambdas/shared/migration-config';
import { DMS_RESOURCES_ENV, type DmsResource } from '../../../lambdas/shared/replication/dms/resources';
import { encodeMigrations, ROLLBACK_STATE_MACHINE_ARN_ENV } from '../../../lambdas/shared/runtime-config';
import type { StepFunctionSpec } from './steps';

/** Lambda's limit on the size of a function's environment variables (4 KB). */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

export interface StepEnvironmentProps {
  /** The environment's migrations (FERRY_MIGRATIONS, compressed). */
  readonly migrations: readonly MigrationConfig[];
  /** FERRY_TABLE_NAME. */
  readonly checkpoints: dynamodb.ITableV2;
  /** FERRY_TOPIC_ARN. */
  readonly topic: sns.ITopic;
  /** FERRY_DMS, by migration id. */
  readonly dmsResources: Readonly<Record<string, DmsResource>>;
  /** For the steps that start a rollback: FERRY_ROLLBACK_STATE_MACHINE_ARN. @default - no rollback workflow */
  readonly rollbackStateMachineArn?: string;
  /** For the steps that schedule the finish: the finish state machine, the scheduler role, the schedule prefix. @default - no finish workflow */
  readonly finish?: Readonly<Record<string, string>>;
  /** For the steps that read or change a native replication: FERRY_COPY_TASK. @default - no copy task */
  readonly copyTask?: Readonly<Record<string, string>>;
}

/**
 * The environment of each step function: what every step reads (runtime-config.ts), and what only
 * the steps that start a rollback or schedule the finish need. Fails synth when the largest of them
 * would not fit Lambda's 4 KB, which otherwise fails only at deploy time.
 */
export function stepEnvironment(stack: Stack, props: StepEnvironmentProps, steps: readonly StepFunctionSpec[]): (spec: StepFunctionSpec) => Record<string, string> {
  const common: Record<string, string> = {
    FERRY_MIGRATIONS: encodeMigrations(props.migrations),
    FERRY_TABLE_NAME: props.checkpoints.tableName,
    FERRY_TOPIC_ARN: props.topic.topicArn,
    [DMS_RESOURCES_ENV]: stack.toJsonString(props.dmsResources),
    // Lambda's Node.js 20+ runtimes no longer trust the extra CAs (among them the RDS CAs)
    // unless told to: verify-full needs them.
    NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
    // The bundles carry source maps: stack traces name the TypeScript files and lines.
    NODE_OPTIONS: '--enable-source-maps',
    POWERTOOLS_SERVICE_NAME: FERRY_SERVICE,
    POWERTOOLS_METRICS_NAMESPACE: FERRY_NAMESPACE,
  };
  const rollback: Record<string, string> = props.rollbackStateMachineArn ? { [ROLLBACK_STATE_MACHINE_ARN_ENV]: props.rollbackStateMachineArn } : {};
  const finish = props.finish ?? {};
  const startsRollback = (spec: StepFunctionSpec) => spec.needs.includes('start-rollback');
  const schedulesFinish = (spec: StepFunctionSpec) => spec.needs.includes('schedule-finish');
  const copyTask = props.copyTask ?? {};
  const copies = (spec: StepFunctionSpec) => spec.needs.includes('copy-task-read') || spec.needs.includes('copy-task-run');
  checkEnvironmentSize({ ...common, ...(steps.some(startsRollback) ? rollback : {}), ...finish, ...copyTask }, props.migrations.length, props.dmsResources, stack);
  return (spec) => ({ ...common, ...(startsRollback(spec) ? rollback : {}), ...(schedulesFinish(spec) ? finish : {}), ...(copies(spec) ? copyTask : {}) });
}

/**
 * Counted as JSON (escaped quotes included), the larger of the ways to count it; values that are
 * not known before deployment (table name, ARNs) are counted long.
 */
function checkEnvironmentSize(environment: Record<string, string>, migrations: number, dms: Readonly<Record<string, DmsResource>>, stack: Stack): void {
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
