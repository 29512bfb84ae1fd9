import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateStateMachineCommand, DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { awsRuntime } from '../../../lambdas/shared/aws-runtime';
import { MOTO_CREDENTIALS, publishedTo, useMoto } from '../../helpers/moto';

/**
 * The functions' runtime makes its SDK clients with no options, as a Lambda function does: region,
 * endpoint and credentials come from the environment, here pointed at moto. Each port it wires
 * (notifier, restore points, rollback starter, finish scheduler) is shown reaching its service.
 * The DMS engine it wires is not: moto's DMS answers carry dates the SDK refuses (ISO strings
 * where DMS's JSON protocol has epoch seconds), which replication/dms/dms.moto.test.ts corrects
 * on its own client; the switches' wiring is in switch/switches.moto.test.ts, DynamoDB's in the
 * dynalite tests.
 */
const STATE_MACHINE_ROLE = 'arn:aws:iam::123456789012:role/Ferry-dev-StateMachineRole';

describe('awsRuntime, with the clients configured by the environment', () => {
  const moto = useMoto();
  let topicArn: string;
  let rollbackArn: string;
  beforeAll(async () => {
    const sns = new SNSClient(moto.clientConfig());
    const sfn = new SFNClient(moto.clientConfig());
    topicArn = (await sns.send(new CreateTopicCommand({ Name: 'Ferry-dev-notifications' }))).TopicArn!;
    const definition = JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });
    rollbackArn = (await sfn.send(new CreateStateMachineCommand({ name: 'Ferry-dev-rollback', definition, roleArn: STATE_MACHINE_ROLE }))).stateMachineArn!;
    for (const client of [sns, sfn]) client.destroy();
    vi.stubEnv('AWS_ENDPOINT_URL', moto.endpoint);
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', MOTO_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', MOTO_CREDENTIALS.secretAccessKey);
    vi.stubEnv('FERRY_TOPIC_ARN', topicArn);
    vi.stubEnv('FERRY_ROLLBACK_STATE_MACHINE_ARN', rollbackArn);
    vi.stubEnv('FERRY_FINISH_STATE_MACHINE_ARN', 'arn:aws:states:eu-west-1:123456789012:stateMachine:Ferry-dev-finish');
    vi.stubEnv('FERRY_FINISH_SCHEDULER_ROLE_ARN', 'arn:aws:iam::123456789012:role/Ferry-dev-FinishSchedulerRole');
    vi.stubEnv('FERRY_SCHEDULE_PREFIX', 'Ferry-dev');
  });
  afterAll(() => vi.unstubAllEnvs());

  it("notifies through the environment's SNS topic", async () => {
    await awsRuntime().notifier.notify({ migrationId: 'orders', event: 'phase-changed', subject: 'Ferry orders: phase ready', message: 'ready' });

    expect(await publishedTo(moto.endpoint, topicArn)).toMatchObject([{ subject: 'Ferry orders: phase ready', attributes: { migrationId: { Value: 'orders' } } }]);
  });

  it('asks RDS for backup settings (moto answers that the instance does not exist)', async () => {
    // No instance is created: moto's /moto-api/data.json, which publishedTo reads, fails once one exists.
    await expect(awsRuntime().restorePoints.backupState({ kind: 'instance', id: 'orders-db' })).rejects.toThrow(
      'Reading the backup settings of the RDS instance "orders-db" failed: DBInstanceNotFoundFault: DBInstance orders-db not found.',
    );
  });

  it('starts the rollback state machine', async () => {
    const executionArn = await awsRuntime().rollbacks.startRollback('after-cutover-orders', { migrationId: 'orders', reason: 'alarm' });

    const sfn = new SFNClient(moto.clientConfig());
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn }))).resolves.toMatchObject({ stateMachineArn: rollbackArn, status: 'RUNNING' });
    sfn.destroy();
  });

  it('schedules the finish with EventBridge Scheduler', async () => {
    const name = await awsRuntime().finishes.scheduleFinish('orders', Date.parse('2030-01-02T09:00:00Z'));

    const scheduler = new SchedulerClient(moto.clientConfig());
    await expect(scheduler.send(new GetScheduleCommand({ Name: name }))).resolves.toMatchObject({ ScheduleExpression: 'at(2030-01-02T09:00:00)' });
    scheduler.destroy();
  });
});
