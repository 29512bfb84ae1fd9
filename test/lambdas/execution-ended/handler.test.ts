import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import type { handler as Handler } from '../../../lambdas/execution-ended/handler';
import type { CheckpointStore } from '../../../lambdas/shared/checkpoints';
import { useDynalite } from '../../helpers/dynalite';
import { stubLambdaEnvironment } from '../../helpers/lambda-environment';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ferry-dev';
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-migrate:exec-1';

describe('execution-ended handler', () => {
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
    });
    ({ handler } = await import('../../../lambdas/execution-ended/handler'));
  });

  it('releases the lock of a stopped execution in the checkpoint table and publishes to the topic', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    await store.acquire('orders', EXECUTION, 600_000);

    // Act
    const output = await handler({
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      detail: { executionArn: EXECUTION, stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:Ferry-dev-migrate', status: 'ABORTED', input: '{"migrationId":"orders"}' },
    });

    // Assess
    expect(output).toMatchObject({ action: 'released', migrationId: 'orders' });
    expect((await store.getLock('orders'))?.released).toBe(true);
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input).toMatchObject({ TopicArn: TOPIC, MessageAttributes: { event: { StringValue: 'execution-ended' } } });
  });
});
