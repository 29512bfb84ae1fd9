import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { ferryInProcess } from '../helpers/cli';
import { DEPLOYED_ENV, useDeployedEnvironment } from '../helpers/deployed-env.fixture';

describe('ferry start against a deployed environment (moto and dynalite)', () => {
  const deployed = useDeployedEnvironment();
  const ferry = (...args: string[]) => ferryInProcess([...args, '--cdk-json', deployed.cdkJson], { env: deployed.ioEnv() });
  const executionsOf = async (stateMachineArn: string) => {
    const sfn = deployed.client(SFNClient);
    const out = await sfn.send(new ListExecutionsCommand({ stateMachineArn }));
    sfn.destroy();
    return out.executions ?? [];
  };

  it('starts the workflow with the flags as its input, under a readable name, and prints its ARN and console URL', async () => {
    // Act
    const out = await ferry('start', 'migrate', '--migration', 'orders', '--env', DEPLOYED_ENV, '--restart', '--settle-ms', '500', '--waive', 'backups', 'replica-identity');

    // Assess
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const [, executionArn, consoleUrl] = /^Started migrate for orders: (\S+)\n {2}(\S+)\n$/.exec(out.stdout) ?? [];
    expect(executionArn).toMatch(/^arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-migrate:orders-migrate-\d{8}T\d{6}Z-[0-9a-f]{4}$/);
    expect(consoleUrl).toBe(`https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${executionArn}`);
    const sfn = deployed.client(SFNClient);
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    sfn.destroy();
    expect(execution.stateMachineArn).toBe(deployed.stateMachineArns.migrate);
    expect(JSON.parse(execution.input!)).toEqual({ migrationId: 'orders', waive: ['backups', 'replica-identity'], restart: true, settleMs: 500 });
  });

  it('prints one JSON document with --json', async () => {
    // Act
    const out = await ferry('start', 'rollback', '--migration', 'orders', '--env', DEPLOYED_ENV, '--reason', 'error rate too high', '--json');

    // Assess
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({
      workflow: 'rollback',
      migrationId: 'orders',
      executionArn: expect.stringContaining(':execution:Ferry-dev-rollback:orders-rollback-'),
      startedAt: expect.any(String),
      consoleUrl: expect.stringContaining('#/v2/executions/details/arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-rollback:'),
      input: { migrationId: 'orders', reason: 'error rate too high' },
    });
  });

  it('refuses input the workflow would refuse, naming each flag and its problem, and starts nothing (exit 2)', async () => {
    // Act
    const missing = await ferry('start', 'cutover', '--migration', 'orders', '--env', DEPLOYED_ENV, '--full-comparison', '--unknown');
    const invalid = await ferry('start', 'migrate', '--migration', 'orders', '--env', DEPLOYED_ENV, '--waive', 'no-such-check', '--settle-ms', '900000');
    const notANumber = await ferry('start', 'migrate', '--migration', 'orders', '--env', DEPLOYED_ENV, '--settle-ms', 'soon');
    const noReason = await ferry('start', 'rollback', '--migration', 'orders', '--env', 'dev');
    const badChoice = await ferry('start', 'drift', '--migration', 'orders', '--env', 'dev', '--data', 'most');
    const unconfigured = await ferry('start', 'cutover', '--migration', 'invoices', '--env', DEPLOYED_ENV);

    // Assess
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("error: unknown option '--unknown'");
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^ferry: start migrate: --waive: no check named 'no-such-check' \(checks: connectivity, .*\); --settle-ms: Too big: expected number to be <=600000\n$/);
    expect(notANumber.stderr).toBe("ferry: --settle-ms: expected a number, got 'soon'\n");
    expect(noReason.stderr).toBe('ferry: start rollback: --reason: is required\n');
    expect(badChoice.stderr).toBe("ferry: start drift: --data: data must be 'none', 'sample' or 'full'\n");
    expect(unconfigured.stderr).toBe("ferry: --migration: no migration 'invoices' in environment 'dev' (known: orders)\n");
    for (const out of [notANumber, noReason, badChoice, unconfigured]) expect(out.code).toBe(2);
    expect(await executionsOf(deployed.stateMachineArns.cutover)).toEqual([]);
    expect(await executionsOf(deployed.stateMachineArns.drift)).toEqual([]);
  });

  // moto does not run a state machine: its execution stays RUNNING and GetExecutionHistory returns
  // a canned history that ends in ExecutionSucceeded (SF_EXECUTION_HISTORY_TYPE unset), which the
  // watch takes as the end.
  it('follows the execution with --watch and exits with its status', async () => {
    // Act
    const out = await ferry('start', 'finish', '--migration', 'orders', '--env', DEPLOYED_ENV, '--force', '--watch');

    // Assess
    expect(out.stderr).toMatch(/^Started finish for orders: arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-finish:orders-finish-/);
    expect(out.stdout).toContain('SUCCEEDED');
    expect(out.code).toBe(0);
  });
});
