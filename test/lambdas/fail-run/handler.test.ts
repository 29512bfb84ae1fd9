import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import type { handler as Handler } from '../../../lambdas/fail-run/handler';
import type { CheckpointStore } from '../../../lambdas/shared/checkpoints';
import { useDynalite } from '../../helpers/dynalite';
import { stubLambdaEnvironment } from '../../helpers/lambda-environment';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-AbCdEf';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ferry-dev';
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-migrate:exec-1';

describe('fail-run handler', () => {
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
    ({ handler } = await import('../../../lambdas/fail-run/handler'));
  });

  it('releases the lock, stores the failure report and publishes workflow-failed, returning the error for the Fail state', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const lease = await store.acquire('orders', EXECUTION, 600_000);
    const cause = JSON.stringify({ errorType: 'ReplicationFailedError', errorMessage: 'the subscription was disabled', trace: [] });

    // Act
    const output = await handler({
      workflow: 'migrate',
      executionId: EXECUTION,
      state: { migrationId: 'orders', run: { migrationId: 'orders', runId: 'run-1' }, lease, error: { Error: 'ReplicationFailedError', Cause: cause } },
    });

    // Assess
    expect(output).toMatchObject({ error: 'ReplicationFailedError', cause: 'the subscription was disabled', lock: 'released', notified: true });
    expect((await store.getLock('orders'))?.released).toBe(true);
    expect(await store.latestReport('orders', 'failure')).toBeDefined();
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input).toMatchObject({
      TopicArn: TOPIC,
      Subject: 'Ferry orders: migrate workflow failed (ReplicationFailedError)',
      MessageAttributes: { event: { DataType: 'String', StringValue: 'workflow-failed' } },
    });
  });
});
