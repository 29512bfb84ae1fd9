import { describe, expect, it } from 'vitest';
import type { ComparisonFailedError } from '../../../lambdas/comparison-verdict/errors';
import { comparisonVerdictStep } from '../../../lambdas/comparison-verdict/step';
import type { ComparisonSummaryReport, TableResult } from '../../../lambdas/comparison-verdict/verdict';
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
    expect(verdict).toEqual({ equal: true, tablesCompared: 2, rowsCompared: 3200, reportKey: expect.stringMatching(/^REPORT#comparison-summary#/) });
    const stored = await runtime.store.latestReport<ComparisonSummaryReport>('orders', 'comparison-summary');
    expect(stored?.report).toEqual({ runId: 'run-1', equal: true, completedAt: new Date(clock.now()).toISOString(), tables: results, rowsCompared: 3200 });
    expect(runtime.metrics.recorded).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'ComparisonEqual', value: 1, dimensions: { migrationId: 'orders' } }),
        expect.objectContaining({ name: 'TablesCompared', value: 2 }),
      ]),
    );
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
