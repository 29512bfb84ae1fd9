import { describe, expect, it } from 'vitest';
import { EXECUTION_ARN, useHandlerEnvironment } from '../../helpers/handler';
import { ORDERS } from '../../helpers/migrations';

describe('validate-input handler', () => {
  const lambda = useHandlerEnvironment({ load: () => import('../../../lambdas/validate-input/handler'), migrations: [ORDERS] });
  const { handler } = lambda;

  it('validates the execution input against the deployed configuration and records the run in the checkpoint table', async () => {
    // Act
    const run = await handler({ workflow: 'migrate', input: { migrationId: 'orders' }, executionId: EXECUTION_ARN, executionName: 'exec-1' });

    // Assess
    expect(run).toMatchObject({ migrationId: 'orders', runId: 'migrate-orders-exec-1', owner: EXECUTION_ARN, lagThresholdSeconds: 5 });
    expect((await lambda.store.latestReport<{ runId: string }>('orders', 'migrate-run'))?.report.runId).toBe('migrate-orders-exec-1');
  });

  it('names an invalid field', async () => {
    // Act / Assess
    await expect(handler({ workflow: 'migrate', input: { migrationId: 'orders', restart: 1 }, executionId: EXECUTION_ARN, executionName: 'exec-1' })).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('restart: '),
    });
  });
});
