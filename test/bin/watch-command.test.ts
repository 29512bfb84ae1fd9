import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { run, type WatchCommandOptions } from '../../bin/cli/watch-command';
import { ferryInProcess, runCommand } from '../helpers/cli';
import { DEPLOYED_ENV, REGION, useDeployedEnvironment } from '../helpers/deployed-env.fixture';
import type { WorkflowName } from '../../bin/cli/deployed/environment';

// The fixture's moto runs no ASL: an execution stays RUNNING and its history is moto's canned
// successful one (ExecutionStarted, a Pass state "A State", ExecutionSucceeded).
describe('ferry watch', () => {
  const deployed = useDeployedEnvironment();
  let counter = 0;
  const start = async (workflow: WorkflowName, migrationId: string) => {
    const sfn = deployed.client(SFNClient);
    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: deployed.stateMachineArns[workflow], name: `${migrationId}-${workflow}-${++counter}`, input: JSON.stringify({ migrationId }) }),
    );
    sfn.destroy();
    return started.executionArn!;
  };
  const watch = (options: WatchCommandOptions, env: Record<string, string> = {}) =>
    runCommand(run, { pollMs: 10, sleep: async () => undefined, ...options }, { env: deployed.ioEnv(env) });

  it("follows an execution given by its ARN, in the ARN's region, to its end and exits 0 when it succeeded", async () => {
    // Prepare
    const arn = await start('migrate', 'orders');

    // Act: the environment's region is another one; the ARN's wins
    const out = await watch({ executionArn: arn }, { AWS_REGION: 'us-east-1' });

    // Assess
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(new RegExp(`^watching orders-migrate-\\d+ of Ferry-dev-migrate: RUNNING since `));
    expect(out.stdout).toContain('step "A State" finished in 0.0 s: value="An output"\n');
    expect(out.stdout).toMatch(/execution SUCCEEDED\b/);
  });

  it('exits 2 naming the call when the execution does not exist', async () => {
    // Act
    const out = await watch({ executionArn: `arn:aws:states:${REGION}:123456789012:execution:Ferry-dev-migrate:orders-never-started` });

    // Assess
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/^ferry: states:DescribeExecution failed: ExecutionDoesNotExist: .*orders-never-started.*\n$/);
  });

  it("finds the migration's newest running execution in the environment's stack, prints its console URL and follows it", async () => {
    // Prepare
    await start('migrate', 'invoices');
    const arn = await start('cutover', 'invoices');
    await start('cutover', 'orders');

    // Act
    const out = await watch({ migration: 'invoices', env: DEPLOYED_ENV, cdkJson: deployed.cdkJson });
    const json = await watch({ migration: 'invoices', env: DEPLOYED_ENV, cdkJson: deployed.cdkJson, json: true });

    // Assess
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`cutover execution ${arn}\nconsole: https://${REGION}.console.aws.amazon.com/states/home?region=${REGION}#/v2/executions/details/${arn}\n`);
    expect(out.stdout).toMatch(/execution SUCCEEDED\b/);
    const lines = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ event: 'found', workflow: 'cutover', executionArn: arn });
    expect(lines.at(-1)).toMatchObject({ event: 'finished', status: 'SUCCEEDED', exitCode: 0 });
  });

  it('exits 2 naming the workflows it looked in when the migration has no running execution', async () => {
    // Act
    const any = await watch({ migration: 'payments', env: DEPLOYED_ENV, cdkJson: deployed.cdkJson });
    const one = await watch({ migration: 'orders', env: DEPLOYED_ENV, cdkJson: deployed.cdkJson, workflow: 'finish' });

    // Assess
    expect(any.code).toBe(2);
    expect(any.stderr).toBe(
      "ferry: no running execution of migration 'payments' in workflows migrate, cutover, rollback, finish, drift of stack Ferry-dev: start one with `ferry start`, or watch a finished one by its execution ARN\n",
    );
    expect(one.code).toBe(2);
    expect(one.stderr).toContain("no running execution of migration 'orders' in workflow finish of stack Ferry-dev");
  });

  it('refuses a command line that names no execution, both, or a malformed one, and exits 2', async () => {
    // Act
    const none = await ferryInProcess(['watch']);
    const both = await ferryInProcess(['watch', 'arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-migrate:x', '--migration', 'orders', '--env', 'dev']);
    const malformed = await ferryInProcess(['watch', 'arn:aws:states:eu-west-1:123456789012:stateMachine:Ferry-dev-migrate']);
    const noEnv = await ferryInProcess(['watch', '--migration', 'orders']);
    const workflow = await ferryInProcess(['watch', '--migration', 'orders', '--env', 'dev', '--workflow', 'migration']);

    // Assess
    expect([none.code, both.code, malformed.code, noEnv.code, workflow.code]).toEqual([2, 2, 2, 2, 2]);
    expect(none.stderr).toBe('ferry: watch: give an execution ARN, or --migration <id> with --env <name>, not both\n');
    expect(both.stderr).toBe(none.stderr);
    expect(malformed.stderr).toBe(
      "ferry: execution-arn: expected arn:aws:states:<region>:<account>:execution:<state machine>:<name>, got 'arn:aws:states:eu-west-1:123456789012:stateMachine:Ferry-dev-migrate'\n",
    );
    expect(noEnv.stderr).toBe('ferry: --migration needs --env <name>: the environment whose stack runs it\n');
    expect(workflow.stderr).toBe("ferry: --workflow: expected one of migrate, cutover, rollback, finish, drift, got 'migration'\n");
  });
});
