import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { EXECUTION_ARN, TOPIC_ARN, useHandlerEnvironment } from '../../helpers/handler';

describe('execution-ended handler', () => {
  const lambda = useHandlerEnvironment({ load: () => import('../../../lambdas/execution-ended/handler'), topicArn: TOPIC_ARN });
  const { handler } = lambda;
  const sns = mockClient(SNSClient);

  it('releases the lock of a stopped execution in the checkpoint table and publishes to the topic', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    await lambda.store.acquire('orders', EXECUTION_ARN, 600_000);

    // Act
    const output = await handler({
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      detail: { executionArn: EXECUTION_ARN, stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:Ferry-dev-migrate', status: 'ABORTED', input: '{"migrationId":"orders"}' },
    });

    // Assess
    expect(output).toMatchObject({ action: 'released', migrationId: 'orders' });
    expect((await lambda.store.getLock('orders'))?.released).toBe(true);
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input).toMatchObject({ TopicArn: TOPIC_ARN, MessageAttributes: { event: { StringValue: 'execution-ended' } } });
  });
});
