import aslValidator from 'asl-validator';
import { placeholdersOf, substitutePlaceholders } from '../../lib/constructs/workflows/definitions';
import { STEP_FUNCTIONS } from '../../lib/constructs/workflows/steps';

/**
 * Static checks of a workflow definition, one rule each, as cdk-nag does for resources: each
 * returns the problems it finds (empty when the definition complies), each naming the state.
 */
export interface AslCheck {
  readonly id: string;
  readonly description: string;
  problems(definition: AslDefinition): string[];
}

export interface AslState {
  readonly Type: string;
  readonly Resource?: unknown;
  readonly Retry?: ReadonlyArray<{ readonly ErrorEquals: readonly string[] }>;
  readonly Catch?: ReadonlyArray<{ readonly ErrorEquals: readonly string[] }>;
  readonly ItemProcessor?: { readonly States: Record<string, AslState> };
  readonly Iterator?: { readonly States: Record<string, AslState> };
  readonly Branches?: ReadonlyArray<{ readonly States: Record<string, AslState> }>;
  readonly QueryLanguage?: unknown;
}

export interface AslDefinition {
  /** The file's text, placeholders and all. */
  readonly text: string;
  readonly json: { readonly States: Record<string, AslState>; readonly QueryLanguage?: unknown; readonly TimeoutSeconds?: unknown };
}

export function aslDefinition(text: string): AslDefinition {
  return { text, json: JSON.parse(text) };
}

/** The errors AWS recommends retrying on every Lambda task: the service's, not the function's. */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/** The Task that reports a failed run: every Catch leads to it, so it needs none of its own. */
export const FAILURE_REPORTER = '${FailRunFunctionArn}';

interface VisitedState {
  readonly name: string;
  readonly state: AslState;
  /** A Map or Parallel around the state catches every error. */
  readonly caughtAround: boolean;
}

/** Every state, nested ones included (Map item processors, Parallel branches). */
function statesOf(states: Readonly<Record<string, AslState>>, caughtAround = false): VisitedState[] {
  return Object.entries(states).flatMap(([name, state]) => {
    const nested = [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])].filter((graph) => graph !== undefined);
    const inner = caughtAround || catchesAll(state);
    return [{ name, state, caughtAround }, ...nested.flatMap((graph) => statesOf(graph.States, inner))];
  });
}

function tasksOf(definition: AslDefinition): VisitedState[] {
  return statesOf(definition.json.States).filter((s) => s.state.Type === 'Task');
}

function catchesAll(state: AslState): boolean {
  return (state.Catch ?? []).some((c) => c.ErrorEquals.includes('States.ALL'));
}

export const ASL_CHECKS: readonly AslCheck[] = [
  {
    id: 'valid',
    description: 'is valid Amazon States Language once its placeholders are Lambda ARNs (asl-validator)',
    problems(definition) {
      // As deployed: each ${Placeholder} becomes a function ARN.
      const substituted = JSON.parse(substitutePlaceholders(definition.text, (p) => `arn:aws:lambda:eu-west-1:123456789012:function:ferry-${p}`));
      const result = aslValidator(substituted, { checkPaths: true, checkArn: true });
      return result.errors.map((e) => `${e['Error code']}: ${e.Message}`);
    },
  },
  {
    id: 'known-placeholders',
    description: 'uses only placeholders that a step function of the stack provides (lib/constructs/workflows/steps.ts)',
    problems(definition) {
      const known = new Set(STEP_FUNCTIONS.map((s) => s.placeholder));
      return placeholdersOf(definition.text)
        .filter((p) => !known.has(p))
        .map((p) => `\${${p}} is not a step function's placeholder`);
    },
  },
  {
    id: 'placeholder-resources',
    description: 'names every Task resource by a placeholder, never by a hard-coded ARN',
    problems(definition) {
      return tasksOf(definition)
        .filter(({ state }) => typeof state.Resource !== 'string' || !/^\$\{[A-Za-z0-9]+FunctionArn\}$/.test(state.Resource))
        .map(({ name, state }) => `${name}: Resource ${JSON.stringify(state.Resource)} is not a \${XxxFunctionArn} placeholder`);
    },
  },
  {
    id: 'lambda-retries',
    description: 'retries the Lambda service errors on every Task',
    problems(definition) {
      return tasksOf(definition).flatMap(({ name, state }) => {
        const retried = new Set((state.Retry ?? []).flatMap((r) => r.ErrorEquals));
        const covered = (error: string) => retried.has(error) || retried.has('States.ALL') || retried.has('States.TaskFailed');
        const missing = LAMBDA_SERVICE_ERRORS.filter((e) => !covered(e));
        return missing.length === 0 ? [] : [`${name}: no Retry for ${missing.join(', ')}`];
      });
    },
  },
  {
    id: 'catches',
    description: 'catches every error of every Task, in the Task or in a Map or Parallel around it (not needed in the failure reporter)',
    problems(definition) {
      return tasksOf(definition)
        .filter(({ state, caughtAround }) => state.Resource !== FAILURE_REPORTER && !catchesAll(state) && !caughtAround)
        .map(({ name }) => `${name}: no Catch for States.ALL, nor a Map or Parallel around it with one`);
    },
  },
  {
    id: 'jsonpath-only',
    description: 'uses JSONPath only (the local runner silently ignores JSONata)',
    problems(definition) {
      const top = definition.json.QueryLanguage;
      return [
        ...(top !== undefined && top !== 'JSONPath' ? [`QueryLanguage ${JSON.stringify(top)} at the top level`] : []),
        ...statesOf(definition.json.States)
          .filter(({ state }) => state.QueryLanguage !== undefined && state.QueryLanguage !== 'JSONPath')
          .map(({ name, state }) => `${name}: QueryLanguage ${JSON.stringify(state.QueryLanguage)}`),
      ];
    },
  },
  {
    id: 'overall-timeout',
    description: 'has an overall timeout (top-level TimeoutSeconds)',
    problems(definition) {
      const timeout = definition.json.TimeoutSeconds;
      return typeof timeout === 'number' && Number.isInteger(timeout) && timeout > 0 ? [] : [`TimeoutSeconds is ${JSON.stringify(timeout) ?? 'missing'}`];
    },
  },
];
