import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snsNotifier } from '../../../lambdas/shared/notifier';
import { publishedTo, useMoto } from '../../helpers/moto';

/**
 * The SNS notifier against moto, which checks Publish against SNS's service model and records what
 * was published. Throttling, which moto does not produce, is retried by withRetry (retry.test.ts).
 */
describe('snsNotifier', () => {
  const moto = useMoto();
  let client: SNSClient;
  beforeAll(() => {
    client = new SNSClient(moto.clientConfig());
  });
  afterAll(() => client.destroy());

  const topic = async (name: string) => (await client.send(new CreateTopicCommand({ Name: name }))).TopicArn!;

  it('publishes with the event and migration as message attributes', async () => {
    const arn = await topic('ferry-attributes');
    const notifier = snsNotifier(client, arn);

    await notifier.notify({ migrationId: 'orders', event: 'phase-changed', subject: 'Ferry orders: phase ready', message: 'Migration orders is ready for cutover.' });

    expect(await publishedTo(moto.endpoint, arn)).toEqual([
      {
        message: 'Migration orders is ready for cutover.',
        subject: 'Ferry orders: phase ready',
        attributes: { event: { Type: 'String', Value: 'phase-changed' }, migrationId: { Type: 'String', Value: 'orders' } },
      },
    ]);
  });

  it('cuts a subject to the 99 characters SNS accepts, on one line', async () => {
    const arn = await topic('ferry-subjects');
    const notifier = snsNotifier(client, arn);

    await notifier.notify({ migrationId: 'orders', event: 'workflow-failed', subject: `Ferry orders: ${'x'.repeat(120)}\nsecond line`, message: 'failed' });

    const [sent] = await publishedTo(moto.endpoint, arn);
    expect(sent!.subject).toHaveLength(99);
    expect(sent!.subject).toMatch(/^Ferry orders: x+\.\.\.$/);
  });

  it('fails on a topic that does not exist (NotFoundException)', async () => {
    const notifier = snsNotifier(client, 'arn:aws:sns:eu-west-1:123456789012:Ferry-gone-notifications');

    const attempt = notifier.notify({ migrationId: 'orders', event: 'phase-changed', subject: 'Ferry orders: phase ready', message: 'ready' });

    // SNS says "Topic does not exist", moto "Endpoint does not exist": the name is what counts.
    await expect(attempt).rejects.toMatchObject({ name: 'NotFoundException' });
  });
});
