import { ExecutionAlreadyExists, SFNClient, SFNServiceException, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { rollbackExecutionName, sfnRollbackStarter } from '../../../lambdas/shared/rollback-starter';

const sfn = mockClient(SFNClient);
const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Ferry-dev-rollback';
const INPUT = { migrationId: 'orders', reason: 'the cutover execution timed out in phase cutting-over' };
const metadata = (httpStatusCode: number) => ({ httpStatusCode, requestId: '7f0c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f', attempts: 1, totalRetryDelay: 0 });

describe('sfnRollbackStarter', () => {
  beforeEach(() => {
    sfn.reset();
    vi.stubEnv('FERRY_ROLLBACK_STATE_MACHINE_ARN', STATE_MACHINE);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('starts the rollback state machine with the name and the input as JSON, and returns the execution ARN', async () => {
    // Prepare
    const executionArn = `arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-rollback:after-first`;
    sfn.on(StartExecutionCommand).resolves({ $metadata: metadata(200), executionArn, startDate: new Date('2030-01-01T00:00:00Z') });

    // Act
    const started = await sfnRollbackStarter(new SFNClient({ region: 'eu-west-1' })).startRollback('after-first', INPUT);

    // Assess
    expect(started).toBe(executionArn);
    const calls = sfn.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({ stateMachineArn: STATE_MACHINE, name: 'after-first', input: JSON.stringify(INPUT) });
  });

  it('treats ExecutionAlreadyExists as started already (an earlier delivery started it), returning that execution', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ $metadata: metadata(400), message: 'Execution Already Exists: after-first' }));

    // Act
    const started = await sfnRollbackStarter(new SFNClient({ region: 'eu-west-1' })).startRollback('after-first', INPUT);

    // Assess
    expect(started).toBe('arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-rollback:after-first');
  });

  it('passes other errors through', async () => {
    // Prepare
    const denied = new SFNServiceException({
      name: 'AccessDeniedException',
      $fault: 'client',
      $metadata: metadata(400),
      message: 'User is not authorized to perform: states:StartExecution',
    });
    sfn.on(StartExecutionCommand).rejects(denied);

    // Act
    const error = await sfnRollbackStarter(new SFNClient({ region: 'eu-west-1' }))
      .startRollback('after-first', INPUT)
      .catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('states:StartExecution') });
  });

  it('starts nothing without FERRY_ROLLBACK_STATE_MACHINE_ARN, naming the variable', async () => {
    // Prepare
    vi.stubEnv('FERRY_ROLLBACK_STATE_MACHINE_ARN', '');

    // Act
    const error = await sfnRollbackStarter(new SFNClient({ region: 'eu-west-1' }))
      .startRollback('after-first', INPUT)
      .catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'MissingEnvironmentError', message: expect.stringContaining('FERRY_ROLLBACK_STATE_MACHINE_ARN') });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});

describe('rollbackExecutionName', () => {
  const VALID = /^[A-Za-z0-9_-]{1,80}$/;

  it('names the rollback after the execution that ended', () => {
    // Act
    const name = rollbackExecutionName('arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-cutover:5f0c2a7e-run_1');

    // Assess
    expect(name).toBe('after-5f0c2a7e-run_1');
  });

  it('keeps at most 80 characters for a long execution name', () => {
    // Act
    const name = rollbackExecutionName(`arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-cutover:${'a'.repeat(80)}`);

    // Assess
    expect(name).toHaveLength(80);
    expect(name).toMatch(VALID);
    expect(name.startsWith('after-aaa')).toBe(true);
  });

  it('replaces every character Step Functions does not allow in a name', () => {
    // Act
    const name = rollbackExecutionName('arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-cutover:run 1.2/ü$€');

    // Assess
    expect(name).toMatch(VALID);
    expect(name).toBe('after-run-1-2----');
  });

  it('is the same for the same ended execution, so a repeated event starts the rollback once', () => {
    // Prepare
    const arn = 'arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-cutover:first';

    // Act + Assess
    expect(rollbackExecutionName(arn)).toBe(rollbackExecutionName(arn));
  });
});
