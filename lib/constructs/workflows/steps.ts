import * as path from 'node:path';

/**
 * The workflow steps that run in Lambda, as data: which `${Placeholder}` in statemachines/*.asl.json
 * each one answers, where its handler is, how long and how large it runs, and what its code does
 * with AWS. The `Workflows` construct makes one `StepFunction` per entry and turns `needs` into exact
 * IAM grants; the local runner (local/steps.ts) maps the same step names to in-process steps; the
 * static checks in test/statemachines compare every definition's placeholders against this list.
 * A step's placeholder follows from its name (`placeholderOf`).
 *
 * No aws-cdk-lib here, so that the local runner and the tests can import it cheaply.
 */

/** What a step's code does with AWS. Each one becomes exact grants (see `Workflows`). */
export type StepNeed =
  /** GetItem and Query on the checkpoint table (and Decrypt with its key). */
  | 'checkpoints-read'
  /** GetItem, Query, PutItem and UpdateItem on the checkpoint table (and its key). */
  | 'checkpoints-read-write'
  /** GetSecretValue on the source and target database secrets of the environment's migrations. */
  | 'database-secrets'
  /** Describe the deployed DMS replications (tasks or Serverless configs) and their table statistics. */
  | 'dms-read'
  /** Start the deployed DMS replications. */
  | 'dms-start'
  /** Stop the deployed DMS replications. */
  | 'dms-stop'
  /** Read DMS latency metrics from CloudWatch (GetMetricData), for replication lag. */
  | 'dms-lag'
  /** Publish to the notification topic (and use its key). */
  | 'notify'
  /** Read and change what each migration's `switch` names (SSM parameter, secret, Route 53 record, PgBouncer admin secret). */
  | 'switch'
  /** Only read what each migration's `switch` names (the switch-ready guardrail); PgBouncer's file system is mounted too. */
  | 'switch-read'
  /** Start the environment's rollback workflow (states:StartExecution on that state machine only). */
  | 'start-rollback'
  /** Create, move and delete the one-time EventBridge Scheduler schedules that start the finish workflow (this stack's only). */
  | 'schedule-finish'
  /** Read the backup settings of the RDS instances and Aurora clusters the migrations name (preflight). */
  | 'rds-backups'
  /** Create and read manual snapshots of those databases, named ferry-<migration>-* (the cutover's restore points). */
  | 'rds-snapshots'
  /** Find the native parallel copy's running task (ecs:ListTasks on the copy cluster): every step that reads a native replication's state. */
  | 'copy-task-read'
  /** Start and stop the native parallel copy's task (RunTask, StopTask, PassRole of its roles), and find it. */
  | 'copy-task-run';

export interface StepFunctionSpec {
  /** The step's folder under lambdas/; its handler is `lambdas/<step>/handler.ts`, export `handler`. */
  readonly step: string;
  /** The placeholder the definitions use for this function's ARN, without `${}` (`placeholderOf(step)` in the registry). */
  readonly placeholder: string;
  /** One line for the function's description. */
  readonly description: string;
  /** Lambda timeout. */
  readonly timeoutSeconds: number;
  /** Lambda memory (CPU grows with it). */
  readonly memoryMb: number;
  /** Everything the code does with AWS; nothing else is granted. */
  readonly needs: readonly StepNeed[];
}

/** The repository's lambdas/ folder. */
export const LAMBDAS_DIR = path.join(__dirname, '..', '..', '..', 'lambdas');

/** The repository's statemachines/ folder: one `<workflow>.asl.json` per workflow. */
export const STATEMACHINES_DIR = path.join(__dirname, '..', '..', '..', 'statemachines');

/** The handler file of a step. */
export function stepEntry(step: string, lambdasDir: string = LAMBDAS_DIR): string {
  return path.join(lambdasDir, step, 'handler.ts');
}

const MINUTE = 60;

/**
 * Every step, by name: its folder under lambdas/ (handler `lambdas/<step>/handler.ts`). The one
 * list of step names; the registry below and the local runner's map (local/steps.ts) are records
 * keyed by it, so the compiler fails when either misses a step or names one that is not here.
 */
export const STEP_NAMES = [
  'validate-input',
  'lock',
  'preflight',
  'start-replication',
  'replication-status',
  'start-capture',
  'list-tables',
  'compare',
  'comparison-verdict',
  'verify-changes',
  'set-phase',
  'fail-run',
  'guardrails',
  'analyze',
  'indexes',
  'restore-points',
  'freeze',
  'drain',
  'sync-sequences',
  'final-compare',
  'reverse-replication',
  'switch',
  'back-out',
  'rollback-plan',
  'stop-replication',
  'finish',
  'schedule-finish',
  'replication-monitor',
  'drift',
  'execution-ended',
] as const;

export type StepName = (typeof STEP_NAMES)[number];

/** `finish` -> `Finish`, `validate-input` -> `ValidateInput`, as a type. */
type PascalCase<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Capitalize<Head>}${PascalCase<Tail>}` : Capitalize<S>;

/** The `${Placeholder}` of a step's function ARN in the definitions: `validate-input` -> `ValidateInputFunctionArn`. */
export type StepPlaceholder<S extends string = StepName> = `${PascalCase<S>}FunctionArn`;

/** The placeholder of a step's function ARN: its name in PascalCase, then `FunctionArn`. */
export function placeholderOf<S extends string>(step: S): StepPlaceholder<S> {
  return `${step.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())}FunctionArn` as StepPlaceholder<S>;
}

/** What the registry says about a step besides its name (the placeholder follows from the name). */
export type StepSettings = Omit<StepFunctionSpec, 'step' | 'placeholder'>;

/**
 * Every step function's settings. Steps that open database connections get 512 MB (pg, TLS and the SDK
 * clients; Lambda gives CPU in proportion); the comparison gets 1024 MB and Lambda's maximum
 * 15 minutes, which it plans its time budget around. The rest only touch DynamoDB or SNS.
 */
export const STEP_SETTINGS: Readonly<Record<StepName, StepSettings>> = {
  'validate-input': {
    description: 'checks a workflow input and starts or resumes its run',
    timeoutSeconds: 1 * MINUTE,
    memoryMb: 256,
    needs: ['checkpoints-read-write'],
  },
  lock: {
    description: 'acquires and releases the per-migration lock',
    timeoutSeconds: 1 * MINUTE,
    memoryMb: 256,
    needs: ['checkpoints-read-write'],
  },
  preflight: {
    description: 'checks the source and target databases before replication starts',
    timeoutSeconds: 5 * MINUTE,
    memoryMb: 512,
    needs: ['checkpoints-read-write', 'database-secrets', 'rds-backups', 'copy-task-read'],
  },
  'start-replication': {
    description: 'starts or resumes replication (DMS or native logical replication)',
    timeoutSeconds: 5 * MINUTE,
    memoryMb: 512,
    needs: ['database-secrets', 'dms-read', 'dms-start', 'copy-task-run'],
  },
  'replication-status': {
    description: 'reports replication state, full-load progress and lag',
    timeoutSeconds: 2 * MINUTE,
    memoryMb: 512,
    needs: ['database-secrets', 'dms-read', 'dms-lag', 'copy-task-read'],
  },
  'start-capture': {
    description: 'starts recording the rows that change on both databases (test_decoding slots), before the full comparison',
    timeoutSeconds: 5 * MINUTE,
    memoryMb: 512,
    needs: ['checkpoints-read-write', 'database-secrets'],
  },
  'list-tables': {
    description: 'lists the tables a comparison covers',
    timeoutSeconds: 2 * MINUTE,
    memoryMb: 512,
    needs: ['database-secrets'],
  },
  compare: {
    description: 'compares one table between source and target, resuming from checkpoints',
    timeoutSeconds: 15 * MINUTE,
    memoryMb: 1024,
    needs: ['checkpoints-read-write', 'database-secrets'],
  },
  'comparison-verdict': {
    description: 'judges the per-table comparison results and stores the summary',
    // It may wait WORKFLOW_LEASE_WAIT_MS (2 minutes) for a verification round's lease.
    timeoutSeconds: 3 * MINUTE,
    memoryMb: 256,
    needs: ['checkpoints-read-write'],
  },
  'verify-changes': {
    description: 'verifies the rows changed since the last round on both databases and advances the capture (every minute, and in the workflows)',
    timeoutSeconds: 5 * MINUTE,
    memoryMb: 1024,
    needs: ['checkpoints-read-write', 'database-secrets', 'notify'],
  },
  'set-phase': {
    description: "records a migration's phase change and notifies the operators",
    timeoutSeconds: 1 * MINUTE,
    memoryMb: 256,
    needs: ['checkpoints-read-write', 'notify'],
  },
  'fail-run': {
    description: 'records a failed run, releases its lock and notifies the operators',
    timeoutSeconds: 1 * MINUTE,
    memoryMb: 256,
    needs: ['checkpoints-read-write', 'notify'],
  },
  guardrails: {
    description: 'checks that a migration may be cut over now, each guardrail by name',
    timeoutSeconds: 2 * MINUTE,
    memoryMb: 512,
    needs: ['checkpoints-read-write', 'database-secrets', 'dms-read', 'dms-lag', 'switch-read', 'copy-task-read'],
  },
  analyze: {
    description: "runs ANALYZE on the target's selected tables, after the full load and before a cutover's freeze, so its planner has statistics",
    timeoutSeconds: 15 * MINUTE,
    memoryMb: 512,
    needs: ['database-secrets'],
  },
  indexes: {
    description: "drops the target's secondary indexes before the full load and builds them again after it, in parallel, resuming from the recorded plan",
    // Builds outlast an invocation: the step returns before its 15 minutes and the workflow calls it again.
    timeoutSeconds: 15 * MINUTE,
    memoryMb: 512,
    needs: ['checkpoints-read-write', 'database-secrets', 'dms-read', 'copy-task-read'],
  },
  'restore-points': {
    description: 'takes manual RDS snapshots of the source (and target) before a cutover freezes writes, and waits for them',
    timeoutSeconds: 1 * MINUTE,
    memoryMb: 256,
    needs: ['checkpoints-read-write', 'rds-snapshots'],
  },
  freeze: {
    description: "freezes or thaws the application's writes on the source or the target",
    timeoutSeconds: 15 * MINUTE,
    memoryMb: 512,
    needs: ['checkpoints-read-write', 'database-secrets'],
  },
  drain: {
    description: 'writes a marker row on one database and waits until replication brings it to the other',
    timeoutSeconds: 15 * MINUTE,
    memoryMb: 512,
    needs: ['checkpoints-read', 'database-secrets'],
  },
  'sync-sequences': {
    description: "moves sequences and identity columns on one database past the other's values",
    timeoutSeconds: 5 * MINUTE,
    memoryMb: 512,
    needs: ['checkpoints-read', 'database-secrets'],
  },
  'final-compare': {
    description: 'verifies the rows changed since the last verified position (or every table) while writes are frozen',
    timeoutSeconds: 15 * MINUTE,
    memoryMb: 1024,
    needs: ['checkpoints-read-write', 'database-secrets'],
  },
  'reverse-replication': {
    description: 'prepares, undoes or stops replication for rollback (target to source)',
    timeoutSeconds: 5 * MINUTE,
    memoryMb: 512,
    needs: ['database-secrets', 'dms-read', 'dms-start', 'dms-stop', 'copy-task-read'],
  },
  switch: {
    description: 'points the clients at the source or the target',
    timeoutSeconds: 5 * MINUTE,
    memoryMb: 512,
    needs: ['switch', 'database-secrets'],
  },
  'back-out': {
    description: 'undoes a cutover that did not finish: clients and writes back on the source, replication forward again',
    timeoutSeconds: 15 * MINUTE,
    memoryMb: 512,
    needs: ['checkpoints-read-write', 'database-secrets', 'switch', 'dms-read', 'dms-start', 'dms-stop', 'copy-task-read'],
  },
  'rollback-plan': {
    description: 'decides what a rollback trigger does in the current phase, and records triggers it ignores',
    timeoutSeconds: 1 * MINUTE,
    memoryMb: 512,
    needs: ['checkpoints-read-write', 'notify', 'switch', 'database-secrets'],
  },
  'stop-replication': {
    description: 'stops replication in both directions and removes what it created on the databases, change capture included',
    timeoutSeconds: 5 * MINUTE,
    memoryMb: 512,
    needs: ['checkpoints-read-write', 'database-secrets', 'dms-read', 'dms-stop', 'copy-task-run'],
  },
  finish: {
    description: 'decides whether a migration may be finished, then stops replication and removes every slot, publication, subscription and Ferry object',
    // Waiting for WAL senders to let go of several slots, and for a verification round's lease, takes minutes at worst.
    timeoutSeconds: 15 * MINUTE,
    memoryMb: 512,
    needs: ['checkpoints-read-write', 'database-secrets', 'dms-read', 'dms-stop', 'switch-read', 'notify', 'copy-task-run'],
  },
  'schedule-finish': {
    description: "schedules the finish workflow for the end of a cutover's observation window, or cancels that schedule",
    timeoutSeconds: 1 * MINUTE,
    memoryMb: 256,
    needs: ['checkpoints-read', 'notify', 'schedule-finish'],
  },
  'replication-monitor': {
    description: "publishes each migration's phase, replication lag, health and progress, verification age and capture slots' WAL as metrics; drops a capture slot over its WAL limit",
    timeoutSeconds: 1 * MINUTE,
    memoryMb: 512,
    needs: ['checkpoints-read-write', 'database-secrets', 'dms-read', 'dms-lag', 'notify', 'copy-task-read'],
  },
  drift: {
    description: 'checks schema, data and sequence drift and reports it when it changes',
    timeoutSeconds: 15 * MINUTE,
    memoryMb: 1024,
    needs: ['checkpoints-read-write', 'database-secrets', 'notify'],
  },
  'execution-ended': {
    description: 'releases the lock of a workflow execution that was stopped or timed out; starts a rollback for a cutover that ended mid-way',
    timeoutSeconds: 1 * MINUTE,
    memoryMb: 256,
    needs: ['checkpoints-read-write', 'notify', 'start-rollback'],
  },
};

/** Every step function, in STEP_NAMES order, with its placeholder. */
export const STEP_FUNCTIONS: readonly StepFunctionSpec[] = STEP_NAMES.map((step) => ({ step, placeholder: placeholderOf(step), ...STEP_SETTINGS[step] }));

/** The step that EventBridge calls when a workflow execution is aborted or times out. */
export const EXECUTION_ENDED_STEP: StepName = 'execution-ended';
