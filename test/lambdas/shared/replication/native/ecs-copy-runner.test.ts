import { CreateClusterCommand, ECSClient, ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { CopyTaskNotStartedError, copyTaskTag, ecsCopyRunner, loadCopyTask } from '../../../../../lambdas/shared/replication/native/ecs-copy-runner';
import { useMoto } from '../../../../helpers/moto';

/** The parallel copy's runner as an ECS Fargate task, against moto's ECS (which checks requests against the service model). */
describe('the ECS copy runner', () => {
  const moto = useMoto();

  /** The first id moto's default VPC has for `tag` (EC2's query API: this repository has no EC2 client). */
  async function defaultVpc(action: string, tag: string): Promise<string> {
    const response = await fetch(moto.endpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261203/eu-west-1/ec2/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: `Action=${action}&Version=2016-11-15`,
    });
    const id = new RegExp(`<${tag}>([^<]+)</${tag}>`).exec(await response.text())?.[1];
    if (!id) throw new Error(`moto's default VPC has no ${tag}`);
    return id;
  }

  async function deployed(ecs: ECSClient, name: string) {
    const cluster = (await ecs.send(new CreateClusterCommand({ clusterName: name }))).cluster!.clusterArn!;
    const taskDefinition = (
      await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: name,
          requiresCompatibilities: ['FARGATE'],
          networkMode: 'awsvpc',
          cpu: '2048',
          memory: '4096',
          // moto 5.2 sums the containers' own cpu and memory to place a task, where Fargate needs only the task's.
          containerDefinitions: [{ name: 'copier', image: 'copier:latest', essential: true, cpu: 2048, memory: 4096 }],
        }),
      )
    ).taskDefinition!.taskDefinitionArn!;
    return { cluster, taskDefinition, container: 'copier', subnets: [await defaultVpc('DescribeSubnets', 'subnetId')], securityGroups: [await defaultVpc('DescribeSecurityGroups', 'groupId')] };
  }

  it('starts one task per migration, finds it by its startedBy tag, and stops it', async () => {
    const ecs = new ECSClient(moto.clientConfig());
    const runner = ecsCopyRunner(ecs, await deployed(ecs, 'Ferry-test-copy'));

    const before = await runner.running('orders');
    await runner.start('orders');
    const during = [await runner.running('orders'), await runner.running('invoices')];
    const tasks = await ecs.send(new ListTasksCommand({ cluster: 'Ferry-test-copy', startedBy: 'ferry-copy-orders' }));
    await runner.stop('orders');

    expect(before).toBe(false);
    expect(during).toEqual([true, false]);
    expect(tasks.taskArns).toHaveLength(1);
    expect(await runner.running('orders')).toBe(false);
  });

  it('says why when ECS places no task, as a transient error the step retries', async () => {
    const ecs = mockClient(ECSClient);
    ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [{ arn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/c', reason: 'RESOURCE:ENI', detail: 'no free network interface in subnet-0123' }] });
    const runner = ecsCopyRunner(new ECSClient({ region: 'eu-west-1' }), { cluster: 'c', taskDefinition: 't', container: 'copier', subnets: ['s'], securityGroups: ['g'] });

    const started = runner.start('orders');

    await expect(started).rejects.toBeInstanceOf(CopyTaskNotStartedError);
    await expect(started).rejects.toThrow(/RESOURCE:ENI \(no free network interface in subnet-0123\)/);
    ecs.restore();
  });

  it('reads the deployed task from FERRY_COPY_TASK, names the tag within ECS limits, and has none without the variable', () => {
    const task = { cluster: 'c', taskDefinition: 't', container: 'copier', subnets: ['s'], securityGroups: ['g'] };

    expect(loadCopyTask({ FERRY_COPY_TASK: JSON.stringify(task) })).toEqual(task);
    expect(loadCopyTask({})).toBeUndefined();
    expect(() => loadCopyTask({ FERRY_COPY_TASK: '{"cluster": "c"}' })).toThrow(/taskDefinition/);
    expect(copyTaskTag('orders-eu')).toBe('ferry-copy-orders-eu');
  });
});
