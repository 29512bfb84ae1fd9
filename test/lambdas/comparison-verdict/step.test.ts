import { describe, expect, it } from 'vitest';
import { comparisonVerdictStep } from '../../../lambdas/comparison-verdict/step';
import type { ComparisonFailedError, ComparisonSummaryReport, TableResult } from '../../../lambdas/shared/comparison/summary';
import { localRuntime, type LocalRuntime } from '../../../local/runtime';
import { manualClock } from '../../helpers/clock';
import { useDynalite } from '../../helpers/dynalite';
import { ORDERS } from '../../helpers/migrations';


const result = (name: string, over: Partial<TableResult> = {}): TableResult => ({
  table: { schema: 'public', name },
  rounds: 1,
  complete: true,
  equal: true,
  rowsCompared: 1000,
  differences: 0,
  ...over,
});

describe('comparison-verdict step', () => {
  const dynamo = useDynalite();
  const clock = manualClock();
  const newRuntime = async (): Promise<LocalRuntime> =>
    localRuntime({ store: await dynamo.newStore({ now: clock.now }), migrations: [ORDERS], secrets: {}, now: clock.now });

  it('stores an equal comparison-summary report and returns the totals', async () => {
    // Prepare
    const runtime = await newRuntime();
    const results = [result('orders', { rowsCompared: 3000 }), result('customers', { rowsCompared: 200, rounds: 2 })];

    // Act
    const verdict = await comparisonVerdictStep({ migrationId: 'orders', runId: 'run-1', results }, runtime);

    // Assess
    const now = new Date(clock.now()).toISOString();
    expect(verdict).toEqual({ equal: true, tablesCompared: 2, rowsCompared: 3200, reportKey: expect.stringMatching(/^REPORT#comparison-summary#/), startedAt: now, completedAt: now, ageMinutes: 0 });
    const stored = await runtime.store.latestReport<ComparisonSummaryReport>('orders', 'comparison-summary');
    expect(stored?.report).toEqual({ runId: 'run-1', equal: true, startedAt: now, completedAt: now, judgedAt: now, tables: results, rowsCompared: 3200 });
    expect(runtime.metrics.recorded).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'ComparisonEqual', value: 1, dimensions: { migrationId: 'orders' } }),
        expect.objectContaining({ name: 'TablesCompared', value: 2 }),
      ]),
    );
  });

  it('dates a comparison by when its tables really ran, so a resumed run never presents old results as new', async () => {
    // Prepare: the tables were compared 90 and 60 minutes ago (their checkpointed times)
    const runtime = await newRuntime();
    const at = (minutesAgo: number) => clock.now() - minutesAgo * 60_000;
    const results = [result('orders', { startedAt: at(90), finishedAt: at(70) }), result('customers', { startedAt: at(80), finishedAt: at(60) })];

    // Act
    const verdict = await comparisonVerdictStep({ migrationId: 'orders', runId: 'run-1', results }, runtime);

    // Assess
    expect(verdict).toMatchObject({ startedAt: new Date(at(90)).toISOString(), completedAt: new Date(at(60)).toISOString(), ageMinutes: 60 });
    const stored = await runtime.store.latestReport<ComparisonSummaryReport>('orders', 'comparison-summary');
    expect(stored?.report).toMatchObject({ completedAt: new Date(at(60)).toISOString(), judgedAt: new Date(clock.now()).toISOString() });
  });

  it('records a passed comparison in the capture it ran under, which resolves what was unresolved before it began', async () => {
    // Prepare: a capture c1 of run-1 with a row found different 10 minutes before the comparison began
    const runtime = await newRuntime();
    const at = (minutesAgo: number) => clock.now() - minutesAgo * 60_000;
    const lease = await runtime.store.acquireVerificationLease('orders', 'test', 60_000);
    if (!lease.acquired) throw new Error('lease');
    const slot = { name: 'slot', startLsn: '0/1' };
    const old = { table: 'public.orders', key: ['1'], status: 'difference' as const, kind: 'changed' as const, columns: [], firstSeenAt: at(40), lastSeenAt: at(40) };
    await runtime.store.putVerification({ migrationId: 'orders', captureId: 'c1', runId: 'run-1', status: 'capturing', startedAt: at(60), slots: { source: slot, target: slot }, unresolved: [old], tablesToCompare: [], rounds: 3 }, lease.lease);
    await runtime.store.releaseVerificationLease('orders', lease.lease);
    const results = [result('orders', { startedAt: at(30), finishedAt: at(20) })];

    // Act: a comparison of another capture is ignored; this capture's is recorded
    await comparisonVerdictStep({ migrationId: 'orders', runId: 'run-1:c0', results, owner: 'execution-1' }, runtime);
    const ignored = await runtime.store.getVerification('orders');
    await comparisonVerdictStep({ migrationId: 'orders', runId: 'run-1:c1', results, owner: 'execution-1' }, runtime);

    // Assess
    expect(ignored?.fullComparison).toBeUndefined();
    expect(await runtime.store.getVerification('orders')).toMatchObject({ fullComparison: { runId: 'run-1:c1', startedAt: at(30), finishedAt: at(20), equal: true }, unresolved: [] });
  });

  it('fails with ComparisonFailedError naming every different or unfinished table, after storing the report', async () => {
    // Prepare
    const runtime = await newRuntime();
    const results = [
      result('orders', { equal: false, differences: 3 }),
      result('big', { complete: false, equal: false, rounds: 200 }),
      result('customers'),
      result('audit', { equal: false, differences: 1 }),
    ];

    // Act
    const error = await comparisonVerdictStep({ migrationId: 'orders', runId: 'run-1', results, settleMs: 2000 }, runtime).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'ComparisonFailedError', failures: ['public.orders: 3 rows differ after re-checking', 'public.big: not finished after 200 rounds', 'public.audit: 1 row differs after re-checking'] });
    const { message } = error as Error;
    expect(message).toContain('failed for 3 tables');
    expect(message).toContain('- public.orders: 3 rows differ after re-checking\n- public.big: not finished after 200 rounds');
    expect(message).not.toContain('public.customers');
    expect(message).toContain("'comparison' reports");
    expect(message).toContain('`ferry compare`');
    expect(message).toContain('{"migrationId": "orders", "restart": true}');
    expect(message).toContain('it resumes run "run-1"');
    const stored = await runtime.store.latestReport<ComparisonSummaryReport>('orders', 'comparison-summary');
    expect(stored?.report).toMatchObject({ runId: 'run-1', equal: false, tables: results, rowsCompared: 4000 });
    expect(runtime.metrics.recorded).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'ComparisonEqual', value: 0 }),
        expect.objectContaining({ name: 'TablesDifferent', value: 2 }),
        expect.objectContaining({ name: 'TablesUnfinished', value: 1 }),
      ]),
    );
  });

  it('does not claim a re-check it cannot know of, and names a table that differs without row differences', async () => {
    // Prepare
    const runtime = await newRuntime();
    const results = [result('orders', { equal: false, differences: 2 }), result('gone', { equal: false, differences: 0 })];

    // Act
    const error = await comparisonVerdictStep({ migrationId: 'orders', runId: 'run-1', results }, runtime).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ failures: ['public.orders: 2 rows differ', expect.stringMatching(/^public\.gone: differs \(no row difference counted/)] });
    expect((error as Error).message).not.toContain('it resumes run');
  });

  it('lists at most 50 tables in the message and points to the report for the rest', async () => {
    // Prepare
    const runtime = await newRuntime();
    const results = Array.from({ length: 70 }, (_, i) => result(`t${i}`, { equal: false, differences: 1 }));

    // Act
    const error = await comparisonVerdictStep({ migrationId: 'orders', runId: 'run-1', results }, runtime).catch((e: Error) => e);

    // Assess
    expect((error as Error).message).toContain('... and 20 more');
    expect(error).toMatchObject({ name: 'ComparisonFailedError', failures: expect.any(Array) });
    expect((error as ComparisonFailedError).failures).toHaveLength(70);
  });

  it('rejects empty results and malformed items, naming the field', async () => {
    // Prepare
    const runtime = await newRuntime();

    // Act
    const empty = await comparisonVerdictStep({ migrationId: 'orders', runId: 'run-1', results: [] }, runtime).catch((e: Error) => e);
    const malformed = await comparisonVerdictStep({ migrationId: 'orders', runId: 'run-1', results: [{ ...result('x'), rounds: 'one' }] }, runtime).catch((e: Error) => e);

    // Assess
    expect(empty).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('results: must hold at least one table') });
    expect(malformed).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('results.0.rounds') });
  });
});
