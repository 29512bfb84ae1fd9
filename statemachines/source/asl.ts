import { RETRY_POLICIES, type Retrier, type RetryPolicyName } from './retry';

/**
 * Small helpers for the workflow sources in this folder. A state is written as the object it is
 * in the .asl.json file, keys in the file's order; only what every Task repeats is left out: the
 * Resource (named by its step) and the Retry (named by its policy).
 */

export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

export type State = { readonly Type: string; readonly [key: string]: Json };

export interface Definition {
  readonly Comment: string;
  readonly StartAt: string;
  readonly TimeoutSeconds: number;
  readonly States: Readonly<Record<string, State>>;
}

export interface TaskFields {
  /** The Retry policy by name (default `standard`), or a custom list of retriers. */
  readonly retry?: RetryPolicyName | readonly Retrier[];
  readonly [key: string]: Json | undefined;
}

/**
 * A Task that invokes the step function behind `${<step>FunctionArn}`. Its Retry goes where the
 * files keep it: right before the Catch, Next or End, whichever comes first.
 */
export function task(step: string, fields: TaskFields): State {
  const { retry = 'standard', ...rest } = fields;
  const Retry: Json = typeof retry === 'string' ? RETRY_POLICIES[retry] : retry;
  const entries = Object.entries(rest) as Array<[string, Json]>;
  const at = entries.findIndex(([key]) => key === 'Catch' || key === 'Next' || key === 'End');
  entries.splice(at === -1 ? entries.length : at, 0, ['Retry', Retry]);
  return { Type: 'Task', Resource: `\${${step}FunctionArn}`, ...Object.fromEntries(entries) };
}

/** A Catch of one list of errors, leading to `next` with the error at `resultPath`. */
export function catcher(errors: readonly string[], next: string, resultPath = '$.error'): Json {
  return { ErrorEquals: errors, ResultPath: resultPath, Next: next };
}

/** A Catch of every error (States.ALL), leading to `next` with the error at `resultPath`. */
export function catchAll(next: string, resultPath = '$.error'): Json[] {
  return [catcher(['States.ALL'], next, resultPath)];
}

/** A workflow's file: two-space JSON and a final newline, as committed. */
export function render(definition: Definition): string {
  return `${JSON.stringify(definition, null, 2)}\n`;
}

/** The first state of every workflow: validate-input turns the execution input into `$.run`. */
export function validateInput(workflow: string, next: string): State {
  return task('ValidateInput', {
    Parameters: { workflow, 'input.$': '$', 'executionId.$': '$$.Execution.Id', 'executionName.$': '$$.Execution.Name' },
    ResultPath: '$.run',
    Catch: catchAll('Report the failure'),
    Next: next,
  });
}

/** Takes the migration lock for this execution; its lease goes to `$.lease`. */
export function acquireLock(next: string, Catch: Json[] = catchAll('Report the failure')): State {
  return task('Lock', {
    Parameters: { 'migrationId.$': '$.run.migrationId', action: 'acquire', 'owner.$': '$.run.owner', 'leaseSeconds.$': '$.run.leaseSeconds' },
    ResultPath: '$.lease',
    Catch,
    Next: next,
  });
}

/** Gives the migration lock back (only the lease's holder can). */
export function releaseLock(next: string, Catch: Json[] = catchAll('Report the failure')): State {
  return task('Lock', {
    Parameters: { 'migrationId.$': '$.run.migrationId', action: 'release', 'lease.$': '$.lease' },
    ResultPath: '$.released',
    Catch,
    Next: next,
  });
}

/**
 * The deferred indexes' build loop (the `indexes` step, action `build`): each call returns when
 * every index is valid or its invocation is nearly over, and the loop calls it again after a
 * wait while the builds go on on the server. `next` follows once they are all valid.
 */
export function indexBuildStates(next: string, failure: string): Record<string, State> {
  return {
    'Build the secondary indexes': task('Indexes', {
      Comment: "Builds the target's secondary indexes recorded before the full load (CREATE INDEX CONCURRENTLY, several at once); nothing to do when none were deferred.",
      Parameters: { 'migrationId.$': '$.run.migrationId', action: 'build' },
      ResultPath: '$.indexes',
      Catch: catchAll(failure),
      Next: 'Are the indexes built?',
    }),
    'Are the indexes built?': {
      Type: 'Choice',
      Choices: [{ Variable: '$.indexes.done', BooleanEquals: true, Next: next }],
      Default: 'Wait for the index builds',
    },
    'Wait for the index builds': {
      Type: 'Wait',
      Seconds: 30,
      Next: 'Build the secondary indexes',
    },
  };
}
