import { beforeAll, describe, expect, it } from 'vitest';
import type { CheckpointStore } from '../../../lambdas/shared/checkpoints';
import type { handler as Handler } from '../../../lambdas/validate-input/handler';
import { useDynalite } from '../../helpers/dynalite';
import { stubLambdaEnvironment } from '../../helpers/lambda-environment';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-AbCdEf';
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-migrate:exec-1';

describe('validate-input handler', () => {
  const dynamo = useDynalite();
  let handler: typeof Handler;
  let store: CheckpointStore;

  beforeAll(async () => {
    const tableName = await dynamo.newTable();
    store = await dynamo.newStore({ tableName });
    stubLambdaEnvironment({
      dynamoEndpoint: dynamo.endpoint,
      tableName,
      migrations: [
        {
          id: 'orders',
          source: { host: 'source.example', database: 'orders', secretArn: SECRET },
          target: { host: 'target.example', database: 'orders', secretArn: SECRET },
          replication: { engine: 'native' },
          switch: { strategy: 'ssm-parameter', parameterName: '/orders/db' },
        },
      ],
    });
    ({ handler } = await import('../../../lambdas/validate-input/handler'));
  });

  it('validates the execution input against the deployed configuration and records the run in the checkpoint table', async () => {
    // Act
    const run = await handler({ workflow: 'migrate', input: { migrationId: 'orders' }, executionId: EXECUTION, executionName: 'exec-1' });

    // Assess
    expect(run).toMatchObject({ migrationId: 'orders', runId: 'migrate-orders-exec-1', owner: EXECUTION, lagThresholdSeconds: 5 });
    expect((await store.latestReport<{ runId: string }>('orders', 'migrate-run'))?.report.runId).toBe('migrate-orders-exec-1');
  });

  it('names an invalid field', async () => {
    // Act / Assess
    await expect(handler({ workflow: 'migrate', input: { migrationId: 'orders', restart: 1 }, executionId: EXECUTION, executionName: 'exec-1' })).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('restart: '),
    });
  });
});
