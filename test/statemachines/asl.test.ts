import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { workflowNames } from '../../lib/constructs/workflows/definitions';
import { STATEMACHINES_DIR } from '../../lib/constructs/workflows/steps';
import { ASL_CHECKS, aslDefinition, type AslCheck } from './asl-checks';

/**
 * Static checks of every workflow definition in statemachines/: the files the stack deploys and
 * the local runner executes. Each check is also shown to find what it looks for.
 */
const WORKFLOWS = workflowNames(STATEMACHINES_DIR);

const check = (id: string): AslCheck => ASL_CHECKS.find((c) => c.id === id)!;

describe('statemachines/', () => {
  it('holds the migrate workflow', () => {
    expect(WORKFLOWS).toContain('migrate');
  });
});

describe.each(WORKFLOWS)('statemachines/%s.asl.json', (workflow) => {
  const definition = aslDefinition(readFileSync(path.join(STATEMACHINES_DIR, `${workflow}.asl.json`), 'utf8'));

  it.each(ASL_CHECKS.map((c) => [c.description, c] as const))('%s', (_, aslCheck) => {
    expect(aslCheck.problems(definition)).toEqual([]);
  });
});

/** A compliant two-task workflow with a failure reporter; each test breaks one thing. */
function workflow(change: (definition: any) => void = () => {}) {
  const lambdaRetry = {
    ErrorEquals: ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'],
    MaxAttempts: 3,
  };
  const definition: any = {
    StartAt: 'Each table',
    TimeoutSeconds: 3600,
    States: {
      'Each table': {
        Type: 'Map',
        ItemsPath: '$.tables',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'Compare',
          States: { Compare: { Type: 'Task', Resource: '${CompareFunctionArn}', Retry: [lambdaRetry], End: true } },
        },
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Report' }],
        Next: 'Phase',
      },
      Phase: {
        Type: 'Task',
        Resource: '${SetPhaseFunctionArn}',
        Retry: [lambdaRetry],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Report' }],
        End: true,
      },
      Report: { Type: 'Task', Resource: '${FailRunFunctionArn}', Retry: [lambdaRetry], Next: 'Failed' },
      Failed: { Type: 'Fail', Error: 'Failed' },
    },
  };
  change(definition);
  return aslDefinition(JSON.stringify(definition));
}

describe('the checks', () => {
  it('find nothing in a compliant workflow (a Map catches for the Task inside it; the failure reporter needs no Catch)', () => {
    for (const aslCheck of ASL_CHECKS) expect(aslCheck.problems(workflow()), aslCheck.id).toEqual([]);
  });

  it('valid: reports what asl-validator finds', () => {
    const problems = check('valid').problems(workflow((d) => (d.States.Phase.Next = 'Nowhere')));
    expect(problems.join('\n')).toMatch(/Nowhere/);
  });

  it('known-placeholders: reports a placeholder no step provides', () => {
    const definition = workflow((d) => (d.States.Phase.Resource = '${UnlockFunctionArn}'));
    expect(check('known-placeholders').problems(definition)).toEqual(["${UnlockFunctionArn} is not a step function's placeholder"]);
  });

  it('placeholder-resources: reports a hard-coded ARN, even inside a Map', () => {
    const arn = 'arn:aws:lambda:eu-west-1:123456789012:function:compare';
    const definition = workflow((d) => (d.States['Each table'].ItemProcessor.States.Compare.Resource = arn));
    expect(check('placeholder-resources').problems(definition)).toEqual([`Compare: Resource "${arn}" is not a \${XxxFunctionArn} placeholder`]);
  });

  it('lambda-retries: reports a Task without a Retry for the Lambda service errors', () => {
    const definition = workflow((d) => (d.States.Phase.Retry = [{ ErrorEquals: ['Lambda.ServiceException'] }]));
    expect(check('lambda-retries').problems(definition)).toEqual([
      'Phase: no Retry for Lambda.AWSLambdaException, Lambda.SdkClientException, Lambda.TooManyRequestsException',
    ]);
  });

  it('catches: reports a Task whose errors escape, and a Task in a Map without a Catch', () => {
    const definition = workflow((d) => {
      delete d.States.Phase.Catch;
      delete d.States['Each table'].Catch;
    });
    expect(check('catches').problems(definition)).toEqual([
      'Compare: no Catch for States.ALL, nor a Map or Parallel around it with one',
      'Phase: no Catch for States.ALL, nor a Map or Parallel around it with one',
    ]);
  });

  it('jsonpath-only: reports JSONata, at the top level or in a state', () => {
    const definition = workflow((d) => {
      d.QueryLanguage = 'JSONata';
      d.States.Phase.QueryLanguage = 'JSONata';
    });
    expect(check('jsonpath-only').problems(definition)).toEqual(['QueryLanguage "JSONata" at the top level', 'Phase: QueryLanguage "JSONata"']);
  });

  it('overall-timeout: reports a workflow without TimeoutSeconds', () => {
    expect(check('overall-timeout').problems(workflow((d) => delete d.TimeoutSeconds))).toEqual(['TimeoutSeconds is missing']);
  });
});
