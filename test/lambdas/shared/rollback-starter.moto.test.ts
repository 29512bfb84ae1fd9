import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CreateStateMachineCommand, DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { rollbackExecutionName, sfnRollbackStarter } from '../../../lambdas/shared/rollback-starter';
import { useMoto } from '../../helpers/moto';

/**
 * The rollback starter against moto's Step Functions API, on a state machine created from the real
 * statemachines/rollback.asl.json (its ${...} function ARNs filled in; moto stores the definition
 * and does not run it, so the executions stay RUNNING). Throttling and access denied, which moto
 * does not produce, stay on aws-sdk-client-mock in rollback-starter.test.ts.
 */
const ASL = readFileSync(path.join(__dirname, '../../../statemachines/rollback.asl.json'), 'utf8').replace(
  /\$\{(\w+)FunctionArn\}/g,
  (_, name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:Ferry-dev-${name}`,
);
const INPUT = { migrationId: 'orders', reason: 'the cutover execution timed out in phase cutting-over' };
const ENDED = 'arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-cutover:cutover-orders-2030-01-01';

describe('sfnRollbackStarter, against moto', () => {
  const moto = useMoto();
  let sfn: SFNClient;
  let stateMachineArn: string;
  beforeAll(async () => {
    sfn = new SFNClient(moto.clientConfig());
    const created = await sfn.send(
      new CreateStateMachineCommand({ name: 'Ferry-dev-rollback', definition: ASL, roleArn: 'arn:aws:iam::123456789012:role/Ferry-dev-RollbackRole' }),
    );
    stateMachineArn = created.stateMachineArn!;
    vi.stubEnv('FERRY_ROLLBACK_STATE_MACHINE_ARN', stateMachineArn);
  });
  afterEach(() => vi.stubEnv('FERRY_ROLLBACK_STATE_MACHINE_ARN', stateMachineArn));
  afterAll(() => {
    vi.unstubAllEnvs();
    sfn.destroy();
  });

  it('starts an execution of the rollback state machine with the reason as its input, and returns its ARN', async () => {
    const name = rollbackExecutionName(ENDED);

    const executionArn = await sfnRollbackStarter(sfn).startRollback(name, INPUT);

    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(executionArn).toBe(`arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-rollback:${name}`);
    expect(execution).toMatchObject({ stateMachineArn, name, status: 'RUNNING' });
    expect(JSON.parse(execution.input!)).toEqual(INPUT);
  });

  it('starts nothing more when the same event is delivered twice', async () => {
    const name = rollbackExecutionName(`${ENDED}-twice`);
    const starter = sfnRollbackStarter(sfn);

    const first = await starter.startRollback(name, INPUT);
    const second = await starter.startRollback(name, INPUT);

    const executions = await sfn.send(new ListExecutionsCommand({ stateMachineArn }));
    expect(second).toBe(first);
    expect(executions.executions?.filter((e) => e.name === name)).toHaveLength(1);
  });

  it('returns the earlier execution when the name was used with another reason (ExecutionAlreadyExists)', async () => {
    const name = rollbackExecutionName(`${ENDED}-other`);
    const starter = sfnRollbackStarter(sfn);
    const first = await starter.startRollback(name, INPUT);

    const second = await starter.startRollback(name, { ...INPUT, reason: 'an alarm fired' });

    expect(second).toBe(first);
  });

  it('fails on a state machine that does not exist (StateMachineDoesNotExist), naming it', async () => {
    const missing = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Ferry-gone-rollback';
    vi.stubEnv('FERRY_ROLLBACK_STATE_MACHINE_ARN', missing);

    const attempt = sfnRollbackStarter(sfn).startRollback('after-gone', INPUT);

    await expect(attempt).rejects.toMatchObject({ name: 'StateMachineDoesNotExist', message: `State Machine Does Not Exist: '${missing}'` });
  });
});
