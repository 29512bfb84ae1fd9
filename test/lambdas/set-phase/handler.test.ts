import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import type { handler as Handler } from '../../../lambdas/set-phase/handler';
import type { CheckpointStore } from '../../../lambdas/shared/checkpoints';
import { useDynalite } from '../../helpers/dynalite';
import { stubLambdaEnvironment } from '../../helpers/lambda-environment';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-AbCdEf';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ferry-dev';
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-migrate:exec-1';

describe('set-phase handler', () => {
  const dynamo = useDynalite();
  const sns = mockClient(SNSClient);
  let handler: typeof Handler;
  let store: CheckpointStore;

  beforeAll(async () => {
    const tableName = await dynamo.newTable();
    store = await dynamo.newStore({ tableName });
    stubLambdaEnvironment({
      dynamoEndpoint: dynamo.endpoint,
      tableName,
      topicArn: TOPIC,
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
    ({ handler } = await import('../../../lambdas/set-phase/handler'));
  });

  it('moves the phase in the checkpoint table and publishes the notification to the environment\'s topic', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const lease = await store.acquire('orders', EXECUTION, 600_000);

    // Act
    const output = await handler({ migrationId: 'orders', runId: 'run-1', to: 'replicating', reason: 'replication started', lease });

    // Assess
    expect(output).toEqual({ phase: 'replicating', changed: true, version: 2, notified: true });
    expect((await store.getState('orders'))?.phase).toBe('replicating');
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input).toMatchObject({
      TopicArn: TOPIC,
      Subject: 'Ferry orders: phase replicating',
      MessageAttributes: { event: { DataType: 'String', StringValue: 'phase-changed' }, migrationId: { DataType: 'String', StringValue: 'orders' } },
    });
  });
});
