import { beforeAll, describe, expect, it } from 'vitest';
import { run, type ReportOptions } from '../../bin/cli/report-command';
import { REPORT_KINDS } from '../../lambdas/shared/catalog/reports';
import { ferryInProcess, runCommand } from '../helpers/cli';
import { DEPLOYED_ENV, seedOrdersMigration, useDeployedEnvironment } from '../helpers/deployed-env.fixture';

describe('ferry report against a deployed environment (moto and dynalite)', () => {
  const deployed = useDeployedEnvironment();
  const report = (options: Omit<ReportOptions, 'cdkJson' | 'env'>) => runCommand(run, { env: DEPLOYED_ENV, cdkJson: deployed.cdkJson, ...options }, { env: deployed.ioEnv() });
  beforeAll(async () => {
    await seedOrdersMigration(deployed);
    await deployed.store().putReport('orders', 'guardrails', {
      runId: 'cutover-1',
      passed: false,
      guardrails: [
        { id: 'lag', passed: false, message: 'replication lag 14 s is above maxLagSecondsForCutover (5 s)' },
        { id: 'comparison', passed: true, message: 'the comparison of run-1 found the databases equal' },
      ],
    });
  });

  it("renders a kind that has a renderer with it: the preflight's checks, worst first (exit 0)", async () => {
    const out = await report({ kind: 'preflight' });

    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^preflight report of migration orders, stored \S+: passed: 2 checks, 1 warning\n\nPreflight for the native engine: 2 checks\n {2}WARN {2}primary-keys/);
    expect(out.stdout).toContain('objects: public.audit_log');
  });

  it('renders any other kind as keys and values, and exits 1 when the report records a problem', async () => {
    const out = await ferryInProcess(['report', 'guardrails', '--env', DEPLOYED_ENV, '--cdk-json', deployed.cdkJson], { env: deployed.ioEnv() });

    expect(out.code).toBe(1);
    expect(out.stdout).toContain('FAILED: lag (replication lag 14 s is above maxLagSecondsForCutover (5 s))');
    expect(out.stdout).toContain(['runId: cutover-1', 'passed: false', 'guardrails:', '  - id: lag', '    passed: false'].join('\n'));
  });

  it('shows the drift check as drift-report does, exit 1 for drift', async () => {
    const out = await report({ kind: 'drift', migration: 'orders' });

    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/^Drift check of \S+ \(phase replicating, changed since the check before\):/);
    expect(out.stdout).toContain('index public.orders_total_idx');
  });

  it('prints the stored report as one JSON document with --json', async () => {
    const out = await report({ kind: 'comparison-summary', json: true });

    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ migrationId: 'orders', kind: 'comparison-summary', createdAt: expect.any(String), report: { runId: 'run-1', equal: true, rowsCompared: 1_200_000 } });
  });

  it('exits 2 saying so when no report of the kind is stored', async () => {
    const out = await report({ kind: 'failure' });

    expect(out.code).toBe(2);
    expect(out.stderr).toBe(`ferry: no failure report stored for migration "orders" in environment 'dev' (table ${deployed.tableName}): the fail-run step has not stored one yet (reports expire after their TTL), or the id is wrong\n`);
  });

  it('refuses a kind Ferry does not store, listing the kinds, before calling AWS (exit 2)', async () => {
    const out = await runCommand(run, { kind: 'drfit', env: DEPLOYED_ENV, cdkJson: deployed.cdkJson }, { env: {} });

    expect(out.code).toBe(2);
    expect(out.stderr).toBe(`ferry: report kind 'drfit' is not one Ferry stores (kinds: ${Object.keys(REPORT_KINDS).join(', ')})\n`);
    expect(out.stderr).toContain('preflight, comparison, comparison-summary');
  });
});
