import { beforeAll, describe, expect, it } from 'vitest';
import { run, type StatusOptions } from '../../bin/cli/status-command';
import { runCommand } from '../helpers/cli';
import { DEPLOYED_ENV, OTHER_ACCOUNT_ENV, seedOrdersMigration, UNDEPLOYED_ENV, useDeployedEnvironment, type SeededMigration } from '../helpers/deployed-env.fixture';

describe('ferry status against a deployed environment (moto and dynalite)', () => {
  const deployed = useDeployedEnvironment();
  const status = (options: Omit<StatusOptions, 'cdkJson'>) => runCommand(run, { cdkJson: deployed.cdkJson, ...options }, { env: deployed.ioEnv() });
  let seeded: SeededMigration;
  beforeAll(async () => {
    seeded = await seedOrdersMigration(deployed);
  });

  it("shows a migration's phase and history, who holds the lock, the running execution, the latest reports, the lag and the verification position", async () => {
    // Act
    const out = await status({ env: DEPLOYED_ENV });

    // Assess
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('Environment dev: stack Ferry-dev, account 123456789012, region eu-west-1');
    expect(out.stdout).toContain('Migration orders');
    expect(out.stdout).toMatch(/Phase +ready \(version 3, for \d+ min: migrate: comparison equal, lag 2 s\)/);
    expect(out.stdout).toMatch(/new -> replicating +migrate: replication started/);
    expect(out.stdout).toMatch(/replicating -> ready +migrate: comparison equal, lag 2 s/);
    expect(out.stdout).toContain(`Lock          held by ${seeded.executionArn} (token 1`);
    expect(out.stdout).toContain(`migrate ${seeded.executionArn.split(':').at(-1)}`);
    expect(out.stdout).toContain(`https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${seeded.executionArn}`);
    expect(out.stdout).toMatch(/preflight +\S+ +passed: 2 checks, 1 warning/);
    expect(out.stdout).toMatch(/comparison-summary +\S+ +equal: 1 table, 1,200,000 rows compared/);
    expect(out.stdout).toMatch(/drift +\S+ +1 difference \(1 schema, 0 data, 0 sequences; phase replicating\)/);
    expect(out.stdout).toMatch(/guardrails +none/);
    expect(out.stdout).toMatch(/Lag +2 s \(at /);
    expect(out.stdout).toContain('capturing, capture capture-1: verified through source 0/1A2B3C4, target 0/30F0A10');
  });

  it('prints the same as one JSON document with --json', async () => {
    // Act
    const out = await status({ env: DEPLOYED_ENV, migration: 'orders', json: true });

    // Assess
    expect(out.code).toBe(0);
    const doc = JSON.parse(out.stdout);
    expect(doc.environment).toEqual({ name: 'dev', account: '123456789012', region: 'eu-west-1', stackName: 'Ferry-dev', tableName: deployed.tableName });
    const [orders] = doc.migrations;
    expect(orders.state).toMatchObject({ phase: 'ready', version: 3 });
    expect(orders.state.history.map((h: { to: string }) => h.to)).toEqual(['replicating', 'ready']);
    expect(orders.lock).toMatchObject({ owner: seeded.executionArn, token: 1, held: true });
    expect(orders.runningExecutions).toEqual([
      expect.objectContaining({ workflow: 'migrate', executionArn: seeded.executionArn, consoleUrl: expect.stringContaining('#/v2/executions/details/') }),
    ]);
    expect(orders.reports.preflight).toEqual({ createdAt: expect.any(String), summary: 'passed: 2 checks, 1 warning', problem: false });
    expect(orders.reports.drift).toMatchObject({ problem: true });
    expect(orders.reports.failure).toBeNull();
    expect(orders.replicationLag.seconds).toBe(2);
    expect(orders.verification).toMatchObject({ status: 'capturing', captureId: 'capture-1', rounds: 12, verifiedThrough: { source: '0/1A2B3C4', target: '0/30F0A10' } });
  });

  it('shows a lock that was released and the failure report of a run that failed', async () => {
    // Prepare: the migrate run failed, fail-run released the lock and stored why
    const store = deployed.store();
    const lock = (await store.getLock('orders'))!;
    await store.release('orders', { owner: lock.owner, token: lock.token, expiresAt: lock.expiresAt });
    await store.putReport('orders', 'failure', {
      workflow: 'migrate',
      executionId: seeded.executionArn,
      runId: 'run-1',
      error: 'ComparisonFailedError',
      cause: '1 table differs: public.orders (3 rows missing on the target)',
      at: new Date().toISOString(),
      failedAfter: ['run', 'lease', 'preflight'],
      lock: 'released',
    });

    // Act
    const out = await status({ env: DEPLOYED_ENV, migration: 'orders' });

    // Assess
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`Lock          free (released by ${seeded.executionArn}, token 1)`);
    expect(out.stdout).toMatch(/failure +\S+ +migrate failed at \S+: ComparisonFailedError: 1 table differs: public.orders \(3 rows missing on the target\) \(lock released\)/);
  });

  it('refuses a migration the environment does not configure, naming the known ones, exit 2', async () => {
    const out = await status({ env: DEPLOYED_ENV, migration: 'invoices' });

    expect(out.code).toBe(2);
    expect(out.stderr).toBe("ferry: --migration: no migration 'invoices' in environment 'dev' (known: orders)\n");
  });

  it('exits 2 with one line for an environment cdk.json does not define, and for credentials of another account', async () => {
    const unknown = await status({ env: 'qa' });
    const otherAccount = await status({ env: OTHER_ACCOUNT_ENV });

    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(`ferry: --env: no environment 'qa' in ${deployed.cdkJson} (known: dev, staging, prod)\n`);
    expect(otherAccount.code).toBe(2);
    expect(otherAccount.stderr).toBe("ferry: the AWS credentials are for account 123456789012, but environment 'prod' is account 222222222222 (cdk.json): use credentials for 222222222222\n");
  });

  it('exits 2 with one line when the stack is not deployed', async () => {
    const out = await status({ env: UNDEPLOYED_ENV });

    expect(out.code).toBe(2);
    expect(out.stderr).toBe('ferry: stack Ferry-staging is not deployed in account 123456789012, region eu-west-1: deploy it with `npx cdk deploy Ferry-staging`\n');
  });
});
