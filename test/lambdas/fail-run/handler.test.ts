import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { EXECUTION_ARN, TOPIC_ARN, useHandlerEnvironment } from '../../helpers/handler';
import { ORDERS } from '../../helpers/migrations';

describe('fail-run handler', () => {
  const lambda = useHandlerEnvironment({ load: () => import('../../../lambdas/fail-run/handler'), migrations: [ORDERS], topicArn: TOPIC_ARN });
  const { handler } = lambda;
  const sns = mockClient(SNSClient);

  it('releases the lock, stores the failure report and publishes workflow-failed, returning the error for the Fail state', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const lease = await lambda.store.acquire('orders', EXECUTION_ARN, 600_000);
    const cause = JSON.stringify({ errorType: 'ReplicationFailedError', errorMessage: 'the subscription was disabled', trace: [] });

    // Act
    const output = await handler({
      workflow: 'migrate',
      executionId: EXECUTION_ARN,
      state: { migrationId: 'orders', run: { migrationId: 'orders', runId: 'run-1' }, lease, error: { Error: 'ReplicationFailedError', Cause: cause } },
    });

    // Assess
    expect(output).toMatchObject({ error: 'ReplicationFailedError', cause: 'the subscription was disabled', lock: 'released', notified: true });
    expect((await lambda.store.getLock('orders'))?.released).toBe(true);
    expect(await lambda.store.latestReport('orders', 'failure')).toBeDefined();
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input).toMatchObject({
      TopicArn: TOPIC_ARN,
      Subject: 'Ferry orders: migrate workflow failed (ReplicationFailedError)',
      MessageAttributes: { event: { DataType: 'String', StringValue: 'workflow-failed' } },
    });
  });
});
