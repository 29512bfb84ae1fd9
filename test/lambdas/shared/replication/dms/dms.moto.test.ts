import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateEndpointCommand,
  CreateReplicationInstanceCommand,
  CreateReplicationTaskCommand,
  DatabaseMigrationServiceClient,
  DescribeReplicationTasksCommand,
  StartReplicationTaskCommand,
  type MigrationTypeValue,
} from '@aws-sdk/client-database-migration-service';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplicationBusyError, ReplicationLagUnknownError, ReplicationNotFoundError } from '../../../../../lambdas/shared/replication/engine';
import { DmsEngine } from '../../../../../lambdas/shared/replication/dms/engine';
import { readLatency } from '../../../../../lambdas/shared/replication/dms/lag';
import { useMoto } from '../../../../helpers/moto';

/**
 * The DMS engine on instance-based replication tasks, against moto's DMS and CloudWatch. What moto
 * 5.2 supports of what Ferry calls, and so what is tested here: DescribeReplicationTasks (with the
 * replication-task-arn filter), StartReplicationTask, StopReplicationTask,
 * DescribeReplicationInstances (replication-instance-arn filter) and CloudWatch GetMetricData.
 *
 * What moto does not support, and stays on aws-sdk-client-mock in the other tests of this folder
 * (status.test.ts, instance-start.test.ts, serverless-start.test.ts, stop.test.ts, reverse.test.ts, lag.test.ts):
 * - DescribeTableStatistics: not implemented, so the status of a running full load (its tables)
 *   and the refusal to resume a partly copied full load;
 * - all of DMS Serverless (DescribeReplications, DescribeReplicationConfigs, StartReplication,
 *   StopReplication, DescribeReplicationTableStatistics): not implemented;
 * - the start type and CdcStartPosition of StartReplicationTask: accepted but ignored, so the
 *   reverse task's start position is asserted on the request there;
 * - a task's life: moto keeps a new task "creating" until it is started (DMS moves it to "ready"
 *   within minutes), starts it "running" at once, and has no failed task, no stop reason, no
 *   "stopping" and no "starting";
 * - throttling, access denied, and a ResourceNotFoundFault from DescribeReplicationTasks (moto
 *   answers an unknown ARN with an empty list; Ferry treats both as not found).
 */
const REGION = 'eu-west-1';

/** `2030-01-01T12:00:00.123456` (moto writes UTC without an offset) or with `+00:00`/`Z`. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * Moto's DMS answers write dates as ISO strings where DMS's JSON protocol (and so the SDK) wants
 * epoch seconds, and the SDK refuses the answer ("Expected real number"). This rewrites them in
 * the raw answer, before the SDK reads it; the requests Ferry sends are untouched.
 */
function withEpochDates(client: DatabaseMigrationServiceClient): DatabaseMigrationServiceClient {
  client.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      const response = out.response as { body?: unknown; headers?: Record<string, string> };
      if (!(response.body instanceof Readable)) return out;
      const chunks: Buffer[] = [];
      for await (const chunk of response.body) chunks.push(Buffer.from(chunk as Uint8Array));
      const text = Buffer.concat(chunks).toString('utf8');
      const fixed =
        text === ''
          ? text
          : JSON.stringify(JSON.parse(text), (_, value: unknown) =>
              typeof value === 'string' && ISO_TIME.test(value) ? Date.parse(/Z|[+-]\d{2}:\d{2}$/.test(value) ? value : `${value}Z`) / 1000 : value,
            );
      response.body = Readable.from([Buffer.from(fixed)]);
      if (response.headers) response.headers['content-length'] = String(Buffer.byteLength(fixed));
      return out;
    },
    { step: 'deserialize', priority: 'low', name: 'motoEpochDates' },
  );
  return client;
}

describe('the DMS engine on replication tasks, against moto', () => {
  const moto = useMoto(REGION);
  let dms: DatabaseMigrationServiceClient;
  let cloudwatch: CloudWatchClient;
  let instanceArn: string;
  let sourceArn: string;
  let targetArn: string;
  beforeAll(async () => {
    dms = withEpochDates(new DatabaseMigrationServiceClient(moto.clientConfig()));
    cloudwatch = new CloudWatchClient(moto.clientConfig());
    const instance = await dms.send(
      new CreateReplicationInstanceCommand({ ReplicationInstanceIdentifier: 'ferry-dev', ReplicationInstanceClass: 'dms.t3.medium', AllocatedStorage: 50 }),
    );
    instanceArn = instance.ReplicationInstance!.ReplicationInstanceArn!;
    const endpoint = async (id: string, type: 'source' | 'target', host: string) =>
      (
        await dms.send(
          new CreateEndpointCommand({ EndpointIdentifier: id, EndpointType: type, EngineName: 'postgres', ServerName: host, Port: 5432, DatabaseName: 'orders', Username: 'dms_user', Password: 'dms-pw-7Yq!' }),
        )
      ).Endpoint!.EndpointArn!;
    sourceArn = await endpoint('orders-source', 'source', 'orders-db.cluster-c9akciq32rlx.eu-west-1.rds.amazonaws.com');
    targetArn = await endpoint('orders-target', 'target', 'orders-pg16.cluster-c9akciq32rlx.eu-west-1.rds.amazonaws.com');
  });
  afterAll(() => {
    dms.destroy();
    cloudwatch.destroy();
  });

  let tasks = 0;
  /** A task of its own per test, since they share one moto server; `running` starts it with a plain call. */
  const task = async (migrationType: MigrationTypeValue, { running = false } = {}) => {
    const created = await dms.send(
      new CreateReplicationTaskCommand({
        ReplicationTaskIdentifier: `orders-${migrationType}-${++tasks}`,
        SourceEndpointArn: sourceArn,
        TargetEndpointArn: targetArn,
        ReplicationInstanceArn: instanceArn,
        MigrationType: migrationType,
        TableMappings: JSON.stringify({ rules: [{ 'rule-type': 'selection', 'rule-id': '1', 'rule-name': 'orders', 'object-locator': { 'schema-name': 'public', 'table-name': '%' }, 'rule-action': 'include' }] }),
      }),
    );
    const arn = created.ReplicationTask!.ReplicationTaskArn!;
    if (running) await dms.send(new StartReplicationTaskCommand({ ReplicationTaskArn: arn, StartReplicationTaskType: 'start-replication' }));
    return arn;
  };
  const statusOf = async (arn: string) =>
    (await dms.send(new DescribeReplicationTasksCommand({ Filters: [{ Name: 'replication-task-arn', Values: [arn] }] }))).ReplicationTasks?.[0]?.Status;
  const engine = (forwardArn: string, reverseArn: string, now = Date.now()) =>
    new DmsEngine({
      dms,
      cloudwatch,
      resource: { kind: 'instance', forwardArn, reverseArn },
      currentTargetPosition: async () => '0/16B3748',
      now: () => now,
      retry: { maxAttempts: 1 },
    });

  it('does not start a task DMS is still creating, and leaves it so', async () => {
    const forward = await task('full-load-and-cdc');
    const e = engine(forward, await task('cdc'));

    const status = await e.status();
    const attempt = e.start();

    expect(status).toEqual({ state: 'starting', detail: `DMS task "${forward.split(':').pop()}" is being created` });
    await expect(attempt).rejects.toBeInstanceOf(ReplicationBusyError);
    expect(await statusOf(forward)).toBe('creating');
  });

  it('stops a running task with StopReplicationTask, which DescribeReplicationTasks then shows stopped', async () => {
    const forward = await task('full-load-and-cdc', { running: true });

    const outcome = await engine(forward, await task('cdc')).stop();

    expect(outcome).toMatchObject({ action: 'stopped', message: expect.stringContaining('is stopping (it was running)') });
    expect(await statusOf(forward)).toBe('stopped');
  });

  it('resumes a task stopped after its full load, which DescribeReplicationTasks then shows running', async () => {
    const forward = await task('full-load-and-cdc', { running: true });
    const e = engine(forward, await task('cdc'));
    await e.stop();

    const outcome = await e.start();

    expect(outcome).toMatchObject({ action: 'resumed', message: expect.stringContaining('(resume-processing)') });
    expect(await statusOf(forward)).toBe('running');
  });

  it('says a running task is running and starts nothing again', async () => {
    const forward = await task('cdc', { running: true });

    const outcome = await engine(forward, await task('cdc')).start();

    expect(outcome.action).toBe('already-running');
    expect(await statusOf(forward)).toBe('running');
  });

  it('pauses the forward task when the reverse one already runs, and reports it prepared', async () => {
    const forward = await task('full-load-and-cdc', { running: true });
    const reverse = await task('cdc', { running: true });

    const prepared = await engine(forward, reverse).prepareReverse();

    expect(prepared).toMatchObject({ action: 'already-prepared', message: expect.stringContaining('is pausing (it was running)') });
    expect(await statusOf(forward)).toBe('stopped');
    expect(await statusOf(reverse)).toBe('running');
  });

  it('has no reverse replication while the reverse task has never run', async () => {
    const e = engine(await task('full-load-and-cdc', { running: true }), await task('cdc'));

    await expect(e.reverse()).resolves.toBeUndefined();
  });

  it("reads the lag of a running task from CloudWatch's AWS/DMS CDCLatencyTarget, with the instance's and task's dimensions", async () => {
    const forward = await task('cdc', { running: true });
    const now = Date.now();
    const dimensions = [
      { Name: 'ReplicationInstanceIdentifier', Value: 'ferry-dev' },
      { Name: 'ReplicationTaskIdentifier', Value: forward.split(':').pop()! },
    ];
    // Only DMS can write AWS/DMS in AWS; moto lets the test stand in for it.
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/DMS',
        MetricData: [
          { MetricName: 'CDCLatencySource', Dimensions: dimensions, Timestamp: new Date(now - 120_000), Value: 2, Unit: 'Seconds' },
          { MetricName: 'CDCLatencyTarget', Dimensions: dimensions, Timestamp: new Date(now - 180_000), Value: 30, Unit: 'Seconds' },
          { MetricName: 'CDCLatencyTarget', Dimensions: dimensions, Timestamp: new Date(now - 60_000), Value: 7, Unit: 'Seconds' },
        ],
      }),
    );

    const lag = await engine(forward, await task('cdc'), now).lag();

    expect(lag).toEqual({ seconds: 7 });
  });

  it('says the lag is unknown when CloudWatch has no recent CDCLatencyTarget datapoint, never zero', async () => {
    const forward = await task('cdc', { running: true });

    const attempt = engine(forward, await task('cdc')).lag();

    await expect(attempt).rejects.toBeInstanceOf(ReplicationLagUnknownError);
    await expect(attempt).rejects.toThrow(
      `CloudWatch has no CDCLatencyTarget datapoint from the last 5 minutes (namespace AWS/DMS, ReplicationInstanceIdentifier=ferry-dev, ReplicationTaskIdentifier=${forward.split(':').pop()})`,
    );
  });

  it('fails on a task that does not exist with ReplicationNotFoundError, saying to deploy the stack', async () => {
    const missing = `arn:aws:dms:${REGION}:123456789012:task:orders-gone`;

    const attempt = engine(missing, missing).status();

    await expect(attempt).rejects.toBeInstanceOf(ReplicationNotFoundError);
    await expect(attempt).rejects.toThrow(`DMS DescribeReplicationTasks on ${missing} found nothing (no task has this ARN). Deploy the Ferry stack`);
  });

  describe('readLatency, the CloudWatch metrics reader', () => {
    const put = (dimensions: Array<{ Name: string; Value: string }>, points: Array<[name: string, agoMs: number, value: number]>, now: number) =>
      cloudwatch.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/DMS',
          MetricData: points.map(([MetricName, agoMs, Value]) => ({ MetricName, Dimensions: dimensions, Timestamp: new Date(now - agoMs), Value, Unit: 'Seconds' })),
        }),
      );

    it('takes the source latency when it is the larger, the two points not being taken at the same instant', async () => {
      const now = Date.now();
      const dimensions = [{ Name: 'ReplicationConfigId', Value: '123456789012:OZRAVXDSNFCUTG5UZNI6HRDWVY' }];
      await put(dimensions, [['CDCLatencySource', 60_000, 12], ['CDCLatencyTarget', 60_000, 9]], now);

      await expect(readLatency({ cloudwatch, dimensions, what: 'DMS Serverless replication "orders-forward"', now })).resolves.toEqual({ seconds: 12 });
    });

    it('does not trust a CDCLatencyTarget point older than 5 minutes', async () => {
      const now = Date.now();
      const dimensions = [{ Name: 'ReplicationConfigId', Value: '123456789012:B3MQXG2XR5GZDNWRT3EUAJ3FLU' }];
      await put(dimensions, [['CDCLatencyTarget', 7 * 60_000, 4]], now);

      const attempt = readLatency({ cloudwatch, dimensions, what: 'DMS Serverless replication "orders-reverse"', now });

      await expect(attempt).rejects.toBeInstanceOf(ReplicationLagUnknownError);
    });
  });
});
