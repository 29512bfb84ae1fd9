import { beforeAll, describe, expect, it } from 'vitest';
import type { handler as Handler } from '../../../lambdas/lock/handler';
import type { CheckpointStore, Lease } from '../../../lambdas/shared/checkpoints';
import { useDynalite } from '../../helpers/dynalite';
import { stubLambdaEnvironment } from '../../helpers/lambda-environment';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-AbCdEf';
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-migrate:exec-1';

describe('lock handler', () => {
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
    ({ handler } = await import('../../../lambdas/lock/handler'));
  });

  it('acquires and releases the lock in the checkpoint table', async () => {
    // Act
    const lease = (await handler({ action: 'acquire', migrationId: 'orders', owner: EXECUTION, leaseSeconds: 600 })) as Lease;
    const held = await store.getLock('orders');
    const released = await handler({ action: 'release', migrationId: 'orders', lease });

    // Assess
    expect(held).toMatchObject({ owner: EXECUTION, token: lease.token, released: false });
    expect(released).toEqual({ released: true });
    expect((await store.getLock('orders'))?.released).toBe(true);
  });
});
