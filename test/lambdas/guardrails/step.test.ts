import { describe, expect, it } from 'vitest';
import { COMPARISON_SUMMARY_KIND, type ComparisonSummaryReport } from '../../../lambdas/shared/comparison/summary';
import { GuardrailsFailedError } from '../../../lambdas/guardrails/errors';
import { GUARDRAILS_KIND, guardrailsStep, type GuardrailsOutput } from '../../../lambdas/guardrails/step';
import type { Database } from '../../../lambdas/shared/pg/connection';
import type { ReplicationEngine, ReplicationStatus } from '../../../lambdas/shared/replication/engine';
import type { StepRuntime } from '../../../lambdas/shared/runtime';
import { localRuntime } from '../../../local/runtime';
import { manualClock } from '../../helpers/clock';
import { useDynalite } from '../../helpers/dynalite';
import { ScriptedEngine } from '../../helpers/scripted-engine';
import { ORDERS } from '../../helpers/migrations';

const CDC: ReplicationStatus = { state: 'cdc', tables: [] };
const ALL_IDS = [
  'phase-ready',
  'comparison-passed',
  'verification-current',
  'replication-healthy',
  'replication-lag',
  'long-running-transactions',
  'indexes-ready',
  'roles-ready',
  'switch-ready',
];

describe('guardrails step', () => {
  const dynamo = useDynalite();
  const clock = manualClock();

  /**
   * The local runtime with the databases and engine replaced: the long-transaction query answers
   * `rows`, every other query nothing (no application role, no index anywhere: indexes-ready and
   * roles-ready have their own tests on real servers), and `engine` is what the step sees. The
   * switch is the local runtime's memory switch, pointing at the source.
   */
  async function newRuntime(engine: ReplicationEngine, rows: unknown[] = []) {
    const local = localRuntime({ store: await dynamo.newStore({ now: clock.now }), migrations: [ORDERS], secrets: {}, now: clock.now });
    const emptyCatalogs = { query: async () => ({ rows: [] }) };
    const db = {
      label: 'source database',
      query: async (sql: string) => (sql.includes('pg_stat_activity') ? rows : []),
      withClient: async (fn: (c: typeof emptyCatalogs) => unknown) => fn(emptyCatalogs),
    } as unknown as Database;
    const closed: string[] = [];
    const runtime: StepRuntime = {
      ...local,
      openDatabases: async () => ({ source: db, target: db, close: async () => void closed.push('closed') }),
      engine: async () => engine,
    };
    return { runtime, closed };
  }

  /** Phase ready, with a comparison that found every table equal just now, under a capture verified just now. */
  async function readyWithComparison(runtime: StepRuntime) {
    for (const to of ['replicating', 'ready'] as const) {
      const { version } = await runtime.store.ensureState('orders');
      await runtime.store.transition('orders', { to, expectedVersion: version, reason: 'test' });
    }
    const now = clock.now();
    const at = new Date(now).toISOString();
    const report: ComparisonSummaryReport = { runId: 'run-7:c1', equal: true, startedAt: at, completedAt: at, judgedAt: at, tables: [], rowsCompared: 10 };
    await runtime.store.putReport('orders', COMPARISON_SUMMARY_KIND, report);
    const attempt = await runtime.store.acquireVerificationLease('orders', 'test', 60_000);
    if (!attempt.acquired) throw new Error('lease');
    const slot = { name: 'slot', startLsn: '0/1' };
    await runtime.store.putVerification(
      {
        migrationId: 'orders', captureId: 'c1', runId: 'run-7', status: 'capturing', startedAt: now - 1000, slots: { source: slot, target: slot },
        fullComparison: { runId: 'run-7:c1', startedAt: now - 500, finishedAt: now, equal: true }, verifiedThrough: { source: '0/2', target: '0/2', at: now },
        unresolved: [], tablesToCompare: [], rounds: 1,
      },
      attempt.lease,
    );
    await runtime.store.releaseVerificationLease('orders', attempt.lease);
  }

  it('passes when every guardrail passes, and stores the guardrails report', async () => {
    // Prepare
    const { runtime, closed } = await newRuntime(new ScriptedEngine({ status: CDC, lag: { seconds: 0.5 } }));
    await readyWithComparison(runtime);

    // Act
    const output = await guardrailsStep({ migrationId: 'orders', runId: 'cutover-1' }, runtime);

    // Assess
    expect(output.passed).toBe(true);
    expect(output.guardrails.map((g) => [g.id, g.passed])).toEqual(ALL_IDS.map((id) => [id, true]));
    const stored = await runtime.store.latestReport<GuardrailsOutput & { runId: string }>('orders', GUARDRAILS_KIND);
    expect(stored?.report).toEqual({ runId: 'cutover-1', ...output });
    expect(closed).toEqual(['closed']);
  });

  it('throws GuardrailsFailedError listing every failed guardrail by id, after storing the report', async () => {
    // Prepare: phase replicating, no comparison, lag too high, an old transaction
    const { runtime, closed } = await newRuntime(new ScriptedEngine({ status: CDC, lag: { seconds: 60 } }), [{ pid: 4242, usename: 'app', seconds: 95 }]);
    const { version } = await runtime.store.ensureState('orders');
    await runtime.store.transition('orders', { to: 'replicating', expectedVersion: version, reason: 'test' });

    // Act
    const error = await guardrailsStep({ migrationId: 'orders', runId: 'cutover-1' }, runtime).catch((e: Error) => e);

    // Assess
    expect(error).toBeInstanceOf(GuardrailsFailedError);
    expect(error).toMatchObject({ name: 'GuardrailsFailedError' });
    const lines = (error as Error).message.split('\n');
    expect(lines[0]).toBe('The cutover of "orders" did not start; nothing was changed. Failed guardrails:');
    expect(lines.slice(1).map((l) => l.replace(/:.*$/, ''))).toEqual([
      '- phase-ready',
      '- comparison-passed',
      '- verification-current',
      '- replication-lag',
      '- long-running-transactions',
    ]);
    expect((error as Error).message).toContain('- long-running-transactions: transactions open longer than 30 s: pid 4242 (app, 95 s)');
    const stored = await runtime.store.latestReport<GuardrailsOutput & { runId: string }>('orders', GUARDRAILS_KIND);
    expect(stored?.report).toMatchObject({ runId: 'cutover-1', passed: false });
    expect(stored?.report.guardrails.map((g) => g.id)).toEqual(ALL_IDS);
    expect(closed).toEqual(['closed']);
  });

  it('fails a guardrail that cannot be checked, with its error, and still checks the others', async () => {
    // Prepare
    const engine = new ScriptedEngine({ status: CDC, lag: { seconds: 0.5 } });
    engine.status = async () => Promise.reject(new Error('the subscription cannot be read'));
    const { runtime } = await newRuntime(engine);
    await readyWithComparison(runtime);

    // Act
    const error = await guardrailsStep({ migrationId: 'orders', runId: 'cutover-1' }, runtime).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'GuardrailsFailedError' });
    expect((error as Error).message).toContain('- replication-healthy: could not be checked: the subscription cannot be read');
    const stored = await runtime.store.latestReport<GuardrailsOutput>('orders', GUARDRAILS_KIND);
    expect(stored?.report.guardrails.filter((g) => !g.passed).map((g) => g.id)).toEqual(['replication-healthy']);
  });

  it('rejects an input without runId, naming the field, and checks nothing', async () => {
    // Prepare
    const { runtime, closed } = await newRuntime(new ScriptedEngine({ status: CDC }));

    // Act
    const error = await guardrailsStep({ migrationId: 'orders' }, runtime).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('runId: ') });
    expect(closed).toEqual([]);
    expect(await runtime.store.latestReport('orders', GUARDRAILS_KIND)).toBeUndefined();
  });
});
