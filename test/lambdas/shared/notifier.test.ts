import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snsNotifier } from '../../../lambdas/shared/notifier';
import { useMoto } from '../../helpers/moto';

/** The SNS notifier against moto, which checks Publish against SNS's service model. */
describe('snsNotifier', () => {
  const moto = useMoto();
  let client: SNSClient;
  let topicArn: string;
  beforeAll(async () => {
    client = new SNSClient(moto.clientConfig());
    topicArn = (await client.send(new CreateTopicCommand({ Name: 'ferry-test' }))).TopicArn!;
  });
  afterAll(() => client.destroy());

  it('publishes with the event and migration as message attributes', async () => {
    const notifier = snsNotifier(client, topicArn);

    await expect(notifier.notify({ migrationId: 'orders', event: 'phase-changed', subject: 'Ferry orders: phase ready', message: 'ready' })).resolves.toBeUndefined();
  });

  it('cuts a subject to the 99 characters SNS accepts, on one line', async () => {
    const sent: Array<{ Subject?: string }> = [];
    const recording = new SNSClient(moto.clientConfig());
    recording.middlewareStack.add((next, context) => async (args) => {
      if (context.commandName === 'PublishCommand') sent.push(args.input as { Subject?: string });
      return next(args);
    });
    const notifier = snsNotifier(recording, topicArn);

    await notifier.notify({ migrationId: 'orders', event: 'workflow-failed', subject: `Ferry orders: ${'x'.repeat(120)}\nsecond line`, message: 'failed' });

    expect(sent[0]!.Subject).toHaveLength(99);
    expect(sent[0]!.Subject).toMatch(/^Ferry orders: x+\.\.\.$/);
    recording.destroy();
  });
});
