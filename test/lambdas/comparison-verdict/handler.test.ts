import { beforeAll, describe, expect, it } from 'vitest';
import type { handler as Handler } from '../../../lambdas/comparison-verdict/handler';
import type { CheckpointStore } from '../../../lambdas/shared/checkpoints';
import { useDynalite } from '../../helpers/dynalite';
import { stubLambdaEnvironment } from '../../helpers/lambda-environment';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-AbCdEf';

describe('comparison-verdict handler', () => {
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
    ({ handler } = await import('../../../lambdas/comparison-verdict/handler'));
  });

  it('stores the comparison-summary report in the checkpoint table', async () => {
    // Act
    const verdict = await handler({
      migrationId: 'orders',
      runId: 'run-1',
      results: [{ table: { schema: 'public', name: 'orders' }, rounds: 1, complete: true, equal: true, rowsCompared: 10, differences: 0 }],
    });

    // Assess
    expect(verdict).toMatchObject({ equal: true, tablesCompared: 1, rowsCompared: 10 });
    expect((await store.latestReport<{ equal: boolean }>('orders', 'comparison-summary'))?.report.equal).toBe(true);
  });
});
