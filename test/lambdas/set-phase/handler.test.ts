import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { EXECUTION_ARN, TOPIC_ARN, useHandlerEnvironment } from '../../helpers/handler';
import { ORDERS } from '../../helpers/migrations';

describe('set-phase handler', () => {
  const lambda = useHandlerEnvironment({ load: () => import('../../../lambdas/set-phase/handler'), migrations: [ORDERS], topicArn: TOPIC_ARN });
  const { handler } = lambda;
  const sns = mockClient(SNSClient);

  it('moves the phase in the checkpoint table and publishes the notification to the environment\'s topic', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const lease = await lambda.store.acquire('orders', EXECUTION_ARN, 600_000);

    // Act
    const output = await handler({ migrationId: 'orders', runId: 'run-1', to: 'replicating', reason: 'replication started', lease });

    // Assess
    expect(output).toEqual({ phase: 'replicating', changed: true, version: 2, notified: true });
    expect((await lambda.store.getState('orders'))?.phase).toBe('replicating');
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input).toMatchObject({
      TopicArn: TOPIC_ARN,
      Subject: 'Ferry orders: phase replicating',
      MessageAttributes: { event: { DataType: 'String', StringValue: 'phase-changed' }, migrationId: { DataType: 'String', StringValue: 'orders' } },
    });
  });
});
