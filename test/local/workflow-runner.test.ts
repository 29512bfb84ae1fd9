import { describe, expect, it } from 'vitest';
import { DatabaseConnectionError } from '../../lambdas/shared/pg/connection';
import type { StepRuntime } from '../../lambdas/shared/runtime';
import { runWorkflow, type LocalStep } from '../../local/workflow-runner';

/** The drift workflow's two steps are all these tests run: no step reads the runtime. */
const runtime = {} as StepRuntime;

function driftWith(drift: LocalStep) {
  const failRunInputs: unknown[] = [];
  const failRun: LocalStep = async (event) => {
    failRunInputs.push(event);
    return { reported: true };
  };
  const run = () => runWorkflow('drift', { migrationId: 'orders' }, { runtime, steps: { DriftFunctionArn: drift, FailRunFunctionArn: failRun } });
  return { run, failRunInputs };
}

describe('a step error in a locally run workflow', () => {
  it('is retried when it is a TransientError subclass, as the deployed handler reports it', async () => {
    // Prepare: the first two calls cannot connect.
    let calls = 0;
    const { run } = driftWith(async () => {
      calls += 1;
      if (calls <= 2) throw new DatabaseConnectionError('source', new Error('ECONNREFUSED'));
      return { differences: 0 };
    });

    // Act
    const outcome = await run();

    // Assess
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', output: { differences: 0 } });
    expect(calls).toBe(3);
  });

  it('reaches the Catch as TransientError once the retries are spent, the subclass named in the Cause', async () => {
    // Prepare
    let calls = 0;
    const { run, failRunInputs } = driftWith(async () => {
      calls += 1;
      throw new DatabaseConnectionError('source', new Error('ECONNREFUSED'));
    });

    // Act
    const outcome = await run();

    // Assess: the first call and the standard policy's five retries.
    expect(outcome.status).toBe('FAILED');
    expect(calls).toBe(6);
    const error = (failRunInputs[0] as { state: { error: { Error: string; Cause: string } } }).state.error;
    expect(error.Error).toBe('TransientError');
    expect(JSON.parse(error.Cause)).toMatchObject({
      errorType: 'TransientError',
      errorMessage: 'DatabaseConnectionError: Could not connect to the source: ECONNREFUSED',
    });
  });
});
