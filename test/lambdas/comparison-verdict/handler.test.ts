import { describe, expect, it } from 'vitest';
import { useHandlerEnvironment } from '../../helpers/handler';
import { ORDERS } from '../../helpers/migrations';

describe('comparison-verdict handler', () => {
  const lambda = useHandlerEnvironment({ load: () => import('../../../lambdas/comparison-verdict/handler'), migrations: [ORDERS] });
  const { handler } = lambda;

  it('stores the comparison-summary report in the checkpoint table', async () => {
    // Act
    const verdict = await handler({
      migrationId: 'orders',
      runId: 'run-1',
      results: [{ table: { schema: 'public', name: 'orders' }, rounds: 1, complete: true, equal: true, rowsCompared: 10, differences: 0 }],
    });

    // Assess
    expect(verdict).toMatchObject({ equal: true, tablesCompared: 1, rowsCompared: 10 });
    expect((await lambda.store.latestReport<{ equal: boolean }>('orders', 'comparison-summary'))?.report.equal).toBe(true);
  });
});
