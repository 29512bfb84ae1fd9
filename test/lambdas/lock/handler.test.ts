import { describe, expect, it } from 'vitest';
import type { Lease } from '../../../lambdas/shared/checkpoints';
import { EXECUTION_ARN, useHandlerEnvironment } from '../../helpers/handler';
import { ORDERS } from '../../helpers/migrations';

describe('lock handler', () => {
  const lambda = useHandlerEnvironment({ load: () => import('../../../lambdas/lock/handler'), migrations: [ORDERS] });
  const { handler } = lambda;

  it('acquires and releases the lock in the checkpoint table', async () => {
    // Act
    const lease = (await handler({ action: 'acquire', migrationId: 'orders', owner: EXECUTION_ARN, leaseSeconds: 600 })) as Lease;
    const held = await lambda.store.getLock('orders');
    const released = await handler({ action: 'release', migrationId: 'orders', lease });

    // Assess
    expect(held).toMatchObject({ owner: EXECUTION_ARN, token: lease.token, released: false });
    expect(released).toEqual({ released: true });
    expect((await lambda.store.getLock('orders'))?.released).toBe(true);
  });
});
