import { describe, expect, it } from 'vitest';
import type { DriftReport } from '../../lambdas/shared/drift/reports';
import { run, type DriftReportOptions } from '../../bin/cli/drift-report-command';
import { runCommand } from '../helpers/cli';
import { useDynalite } from '../helpers/dynalite';

// dynalite checks no signature, but the SDK signs with something; these are not secrets.
const driftReport = (options: DriftReportOptions) => runCommand(run, options, { env: { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_REGION: 'local' } });

const report = (differences: DriftReport['differences'], checkedAt: string): DriftReport => ({
  mode: 'snapshot-target',
  differences,
  counts: { schema: differences.length, data: 0, sequences: 0, byKind: Object.fromEntries(differences.map((d) => [d.kind, 1])) },
  incomplete: [],
  fingerprint: `f-${differences.length}`,
  phase: 'cut-over',
  checkedAt,
  changed: true,
});

describe('ferry drift-report', () => {
  const dynamo = useDynalite();

  it('shows the latest stored drift check, grouped by object, and exits 1 when it found drift', async () => {
    // Prepare
    const tableName = await dynamo.newTable();
    const store = await dynamo.newStore({ tableName });
    await store.putReport('orders', 'drift', report([], '2026-11-20T10:00:00.000Z'));
    await new Promise((r) => setTimeout(r, 5));
    const missing = { kind: 'index-missing', object: 'index public.orders_total_idx', source: 'CREATE INDEX ...', target: null, severity: 'warning' as const };
    await store.putReport('orders', 'drift', report([missing], '2026-11-21T10:00:00.000Z'));

    // Act
    const human = await driftReport({ migration: 'orders', table: tableName, endpoint: dynamo.endpoint });
    const json = await driftReport({ migration: 'orders', table: tableName, endpoint: dynamo.endpoint, json: true });

    // Assess
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('Drift check of 2026-11-21T10:00:00.000Z (phase cut-over');
    expect(human.stdout).toContain('index public.orders_total_idx');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ differences: [{ kind: 'index-missing', object: 'index public.orders_total_idx', source: 'CREATE INDEX ...', target: null, severity: 'warning' }] });
  });

  it('exits 2 saying so when no check is stored for the migration', async () => {
    // Prepare
    const tableName = await dynamo.newTable();

    // Act
    const out = await driftReport({ migration: 'orders', table: tableName, endpoint: dynamo.endpoint });

    // Assess
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('no drift check stored for migration "orders"');
  });
});
