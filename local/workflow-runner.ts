import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import './promise-with-resolvers';
import { StateMachine } from 'aws-local-stepfunctions';
import { forStepFunctions } from '../lambdas/shared/errors';
import type { StepRuntime } from '../lambdas/shared/runtime';

/** A workflow step as the local runner calls it: the same step function the Lambda handler calls. */
export type LocalStep = (event: unknown, runtime: StepRuntime) => Promise<unknown>;

export const STATEMACHINES_DIR = path.join(__dirname, '..', 'statemachines');
const LOCAL_ACCOUNT = '000000000000';
const LOCAL_REGION = 'local-1';

export interface RunWorkflowOptions {
  readonly runtime: StepRuntime;
  /** Placeholder name (`PreflightFunctionArn`) to step. Every placeholder in the file needs one. */
  readonly steps: Readonly<Record<string, LocalStep>>;
  /** How long every Wait state waits, in ms (the real ones wait minutes). @default 20 */
  readonly waitMs?: number;
  /** Execution name, as in the console. @default a random UUID */
  readonly executionName?: string;
  /** Called with each Task's state name and placeholder before the step runs (tests use it to inject faults or count calls). */
  readonly onTask?: (task: { readonly state: string; readonly placeholder: string; readonly input: unknown }) => void | Promise<void>;
}

export type WorkflowOutcome =
  | { readonly status: 'SUCCEEDED'; readonly executionId: string; readonly output: unknown }
  | { readonly status: 'FAILED'; readonly executionId: string; readonly error: string; readonly cause: string };

export interface RunningWorkflow {
  readonly executionId: string;
  readonly result: Promise<WorkflowOutcome>;
  /** Stops the execution, as StopExecution does: no Catch runs, no state is entered again. */
  abort(): void;
}

interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  readonly ItemProcessor?: { readonly States: Record<string, AslState> };
  readonly Iterator?: { readonly States: Record<string, AslState> };
  readonly Branches?: ReadonlyArray<{ readonly States: Record<string, AslState> }>;
}

/** Every state of a definition, nested ones included (Map item processors, Parallel branches). */
export function allStates(states: Readonly<Record<string, AslState>>): Array<[string, AslState]> {
  return Object.entries(states).flatMap(([name, state]) => [
    [name, state] as [string, AslState],
    ...allStates(state.ItemProcessor?.States ?? state.Iterator?.States ?? {}),
    ...(state.Branches ?? []).flatMap((b) => allStates(b.States)),
  ]);
}

/** The `${Name}` placeholders a definition uses. */
export function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z0-9]+)\}/g)].map((m) => m[1]!))].sort();
}

/** A Lambda-shaped ARN for a placeholder, so the definition validates and Tasks can be told apart. */
export function localFunctionArn(placeholder: string): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:ferry-local-${placeholder}`;
}

/**
 * Runs statemachines/<workflow>.asl.json with aws-local-stepfunctions: the same file the stack
 * deploys, its placeholders substituted as CDK does, each Task running its step in-process with
 * the given runtime, Wait states shortened and retry intervals zeroed. A step's error reaches the
 * workflow as a Lambda error does: its `name` is what Retry and Catch match, and the Cause is the
 * JSON document Lambda reports (`errorType`, `errorMessage`).
 */
export function startWorkflow(workflow: string, input: unknown, options: RunWorkflowOptions): RunningWorkflow {
  const text = readFileSync(path.join(STATEMACHINES_DIR, `${workflow}.asl.json`), 'utf8');
  const missing = placeholdersOf(text).filter((p) => !(p in options.steps));
  if (missing.length > 0) throw new RangeError(`statemachines/${workflow}.asl.json uses ${missing.map((m) => `\${${m}}`).join(', ')} with no local step`);
  const definition = JSON.parse(text.replace(/\$\{([A-Za-z0-9]+)\}/g, (_, name: string) => localFunctionArn(name)));
  const byArn = new Map(Object.keys(options.steps).map((p) => [localFunctionArn(p), p]));

  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  const waits: Record<string, number> = {};
  const retries: Record<string, number> = {};
  for (const [name, state] of allStates(definition.States)) {
    if (state.Type === 'Wait') waits[name] = options.waitMs ?? 20;
    if (state.Type === 'Task' || state.Type === 'Map' || state.Type === 'Parallel') retries[name] = 0;
    if (state.Type !== 'Task') continue;
    const placeholder = byArn.get(state.Resource ?? '');
    if (!placeholder) throw new RangeError(`state "${name}" of ${workflow} calls ${state.Resource}, which is not a Ferry step`);
    const step = options.steps[placeholder]!;
    handlers[name] = async (stateInput: unknown) => {
      try {
        await options.onTask?.({ state: name, placeholder, input: stateInput });
        // A Lambda payload is JSON both ways.
        return JSON.parse(JSON.stringify((await step(JSON.parse(JSON.stringify(stateInput)), options.runtime)) ?? null));
      } catch (error) {
        throw asLambdaError(error);
      }
    };
  }

  const executionName = options.executionName ?? randomUUID();
  const executionId = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:ferry-local-${workflow}:${executionName}`;
  const machine = new StateMachine(definition, { validationOptions: { checkArn: true, checkPaths: true } });
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: handlers as never, waitTimeOverrides: waits, retryIntervalOverrides: retries },
    context: {
      Execution: { Id: executionId, Name: executionName, Input: input as never, StartTime: new Date().toISOString() },
      StateMachine: { Id: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:ferry-local-${workflow}`, Name: `ferry-local-${workflow}` },
    } as never,
  });
  const result = execution.result.then(
    (output): WorkflowOutcome => ({ status: 'SUCCEEDED', executionId, output }),
    (error: unknown): WorkflowOutcome => {
      const failure = (error as { cause?: { name?: string; message?: string } }).cause;
      if (error instanceof Error && error.name === 'ExecutionAbortedError') throw error;
      return { status: 'FAILED', executionId, error: failure?.name ?? (error as Error).name, cause: failure?.message ?? String((error as Error).message) };
    },
  );
  return { executionId, result, abort: () => execution.abort() };
}

/** Runs a workflow to its end. */
export function runWorkflow(workflow: string, input: unknown, options: RunWorkflowOptions): Promise<WorkflowOutcome> {
  return startWorkflow(workflow, input, options).result;
}

/** What Lambda makes of a step's thrown error: the error type is its name, the cause a JSON document. */
function asLambdaError(thrown: unknown): Error {
  // The handler wrapper's renaming (lambdas/shared/handler.ts), as the deployed functions do it.
  const error = forStepFunctions(thrown);
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const lambdaError = new Error(JSON.stringify({ errorType: name, errorMessage: message, trace: [] }));
  lambdaError.name = name;
  return lambdaError;
}
