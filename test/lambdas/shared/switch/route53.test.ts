import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  InvalidChangeBatch,
  ListResourceRecordSetsCommand,
  NoSuchHostedZone,
  PriorRequestNotComplete,
  Route53Client,
  Route53ServiceException,
  type ChangeStatus,
  type ListResourceRecordSetsCommandOutput,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { Route53Switch, normaliseName, type Route53SwitchOptions } from '../../../../lambdas/shared/switch/route53';
import {
  SwitchFailedError,
  SwitchTransientError,
  SwitchUnexpectedValueError,
  type SwitchEndpoints,
} from '../../../../lambdas/shared/switch/switch';

const route53 = mockClient(Route53Client);
const sleep = vi.fn(async (_ms: number) => undefined);

const ZONE = 'Z0847162QW7G2KJXNB4R';
const RECORD = 'db.orders.internal';
const CHANGE_ID = '/change/C0374162XEB3OB5F6ZL1';
const SOURCE_HOST = 'orders-db.cluster-c9akciq32rlx.eu-west-1.rds.amazonaws.com';
const TARGET_HOST = 'orders-pg16.cluster-c9akciq32rlx.eu-west-1.rds.amazonaws.com';
const ENDPOINTS: SwitchEndpoints = {
  source: { host: SOURCE_HOST, port: 5432, database: 'orders' },
  target: { host: TARGET_HOST, port: 5432, database: 'orders' },
};

const metadata = (httpStatusCode: number) => ({ httpStatusCode, requestId: '8c2f5a71-3e0b-4d9c-a1f6-7b4e2d9c0a35', attempts: 1, totalRetryDelay: 0 });
const throttling = () => new Route53ServiceException({ name: 'Throttling', $fault: 'client', $metadata: metadata(400), message: 'Rate exceeded' });

/** ListResourceRecordSets as Route 53 answers it: names end with a dot, and with MaxItems 1 it says what comes next. */
function listing(...records: ResourceRecordSet[]): ListResourceRecordSetsCommandOutput {
  return {
    $metadata: metadata(200),
    ResourceRecordSets: records,
    IsTruncated: true,
    NextRecordName: 'orders.internal.',
    NextRecordType: 'NS',
    MaxItems: 1,
  };
}

const cname = (value: string, extra: Partial<ResourceRecordSet> = {}): ResourceRecordSet => ({
  Name: `${RECORD}.`,
  Type: 'CNAME',
  TTL: 5,
  ResourceRecords: [{ Value: value }],
  ...extra,
});

const changeInfo = (Status: ChangeStatus) => ({
  ChangeInfo: { Id: CHANGE_ID, Status, SubmittedAt: new Date('2030-01-01T12:00:00.941Z'), Comment: `Ferry switch: point ${RECORD} at the target` },
});

const newSwitch = (options: Partial<Route53SwitchOptions> = {}) =>
  new Route53Switch({
    route53: new Route53Client({ region: 'us-east-1' }),
    hostedZoneId: ZONE,
    recordName: RECORD,
    ttlSeconds: 5,
    endpoints: ENDPOINTS,
    sleep,
    retry: { random: () => 0.5, maxAttempts: 3 },
    ...options,
  });

beforeEach(() => {
  route53.reset();
  sleep.mockClear();
});

describe('a Route 53 CNAME the clients connect to', () => {
  it('upserts the CNAME to the target host and returns once the change is INSYNC', async () => {
    // Prepare
    route53.on(ListResourceRecordSetsCommand).resolves(listing(cname(SOURCE_HOST)));
    route53.on(ChangeResourceRecordSetsCommand).resolves(changeInfo('PENDING'));
    route53.on(GetChangeCommand).resolvesOnce(changeInfo('PENDING')).resolves(changeInfo('INSYNC'));

    // Act
    const outcome = await newSwitch().pointTo('target');

    // Assess
    expect(outcome).toEqual({
      action: 'switched',
      side: 'target',
      from: SOURCE_HOST,
      to: TARGET_HOST,
      message: `Route 53 record ${RECORD} moved from ${SOURCE_HOST} to the target (${TARGET_HOST}), change ${CHANGE_ID} INSYNC`,
    });
    expect(route53.commandCalls(ListResourceRecordSetsCommand)[0]!.args[0].input).toEqual({
      HostedZoneId: ZONE,
      StartRecordName: RECORD,
      StartRecordType: 'CNAME',
      MaxItems: 1,
    });
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)[0]!.args[0].input).toEqual({
      HostedZoneId: ZONE,
      ChangeBatch: {
        Comment: `Ferry switch: point ${RECORD} at the target`,
        Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: RECORD, Type: 'CNAME', TTL: 5, ResourceRecords: [{ Value: TARGET_HOST }] } }],
      },
    });
    expect(route53.commandCalls(GetChangeCommand).map((c) => c.args[0].input)).toEqual([{ Id: CHANGE_ID }, { Id: CHANGE_ID }]);
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([2000, 2000]);
  });

  it('changes nothing when the CNAME already names the target', async () => {
    // Prepare
    route53.on(ListResourceRecordSetsCommand).resolves(listing(cname(TARGET_HOST)));

    // Act
    const outcome = await newSwitch().pointTo('target');

    // Assess
    expect(outcome).toMatchObject({ action: 'already', side: 'target', from: TARGET_HOST, to: TARGET_HOST });
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
    expect(route53.commandCalls(GetChangeCommand)).toHaveLength(0);
  });

  it('points the CNAME back at the source on rollback', async () => {
    // Prepare
    route53.on(ListResourceRecordSetsCommand).resolves(listing(cname(TARGET_HOST)));
    route53.on(ChangeResourceRecordSetsCommand).resolves(changeInfo('INSYNC'));

    // Act
    const outcome = await newSwitch().pointTo('source');

    // Assess
    expect(outcome).toMatchObject({ action: 'switched', side: 'source', to: SOURCE_HOST });
    const change = route53.commandCalls(ChangeResourceRecordSetsCommand)[0]!.args[0].input.ChangeBatch!;
    expect(change.Changes![0]!.ResourceRecordSet!.ResourceRecords).toEqual([{ Value: SOURCE_HOST }]);
    expect(change.Comment).toBe(`Ferry switch: point ${RECORD} at the source`);
  });

  it('matches the record and its value whatever their case and final dot', async () => {
    // Prepare
    route53.on(ListResourceRecordSetsCommand).resolves(listing(cname(`${TARGET_HOST.toUpperCase()}.`)));

    // Act
    const position = await newSwitch({ recordName: 'DB.Orders.Internal.' }).current();

    // Assess
    expect(position).toEqual({ side: 'target', value: `${TARGET_HOST.toUpperCase()}.` });
  });

  it('decodes the octal escapes Route 53 puts in returned names', () => {
    // Act
    const names = [normaliseName('\\052.db.orders.internal.'), normaliseName('DB.Orders.Internal')];

    // Assess
    expect(names).toEqual(['*.db.orders.internal', 'db.orders.internal']);
  });
});

describe('a CNAME Ferry does not change', () => {
  it('reads a missing record as unknown when Route 53 lists the next name instead', async () => {
    // Prepare
    route53.on(ListResourceRecordSetsCommand).resolves(listing({ Name: 'orders.internal.', Type: 'NS', TTL: 172800, ResourceRecords: [{ Value: 'ns-1536.awsdns-00.co.uk.' }] }));

    // Act
    const position = await newSwitch().current();

    // Assess
    expect(position).toEqual({ side: 'unknown', value: '(no record)' });
  });

  it('refuses to create a missing record and writes nothing', async () => {
    // Prepare
    route53.on(ListResourceRecordSetsCommand).resolves({ ...listing(), IsTruncated: false, NextRecordName: undefined, NextRecordType: undefined });

    // Act
    const attempt = newSwitch().pointTo('target');

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(SwitchUnexpectedValueError);
    await expect(attempt).rejects.toThrow(`Route 53 record ${RECORD} (CNAME, zone ${ZONE}) is (no record), which is neither the source`);
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
  });

  it('refuses a CNAME naming another host and writes nothing', async () => {
    // Prepare
    route53.on(ListResourceRecordSetsCommand).resolves(listing(cname('orders-replica.c9akciq32rlx.eu-west-1.rds.amazonaws.com')));

    // Act
    const attempt = newSwitch().pointTo('source');

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(SwitchUnexpectedValueError);
    await expect(attempt).rejects.toThrow(`is orders-replica.c9akciq32rlx.eu-west-1.rds.amazonaws.com, which is neither the source (${SOURCE_HOST}) nor the target (${TARGET_HOST})`);
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
  });

  it('refuses a weighted CNAME, even one naming the source, since an UPSERT would not replace it', async () => {
    // Prepare
    route53.on(ListResourceRecordSetsCommand).resolves(listing(cname(SOURCE_HOST, { SetIdentifier: 'blue', Weight: 100 })));

    // Act
    const attempt = newSwitch().pointTo('target');

    // Assess
    await expect(attempt).rejects.toThrow(`is ${SOURCE_HOST} (routing policy record "blue")`);
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
  });

  it('refuses source and target on the same host, which a CNAME cannot tell apart', () => {
    // Act
    const create = () => newSwitch({ endpoints: { source: ENDPOINTS.source, target: { ...ENDPOINTS.source, database: 'orders_v2' } } });

    // Assess
    expect(create).toThrow(SwitchFailedError);
  });
});

describe('Route 53 answering slowly or with errors', () => {
  it('hands back to the workflow with a transient error when the change is never INSYNC in time', async () => {
    // Prepare
    route53.on(ListResourceRecordSetsCommand).resolves(listing(cname(SOURCE_HOST)));
    route53.on(ChangeResourceRecordSetsCommand).resolves(changeInfo('PENDING'));
    route53.on(GetChangeCommand).resolves(changeInfo('PENDING'));

    // Act
    const attempt = newSwitch({ pollMs: 1000, waitMs: 5000 }).pointTo('target');

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(SwitchTransientError);
    await expect(attempt).rejects.toThrow(`Route 53 change ${CHANGE_ID} of record ${RECORD} was still PENDING after 5000 ms`);
    expect(route53.commandCalls(GetChangeCommand)).toHaveLength(5);
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([1000, 1000, 1000, 1000, 1000]);
  });

  it('retries a throttled read with backoff, then switches', async () => {
    // Prepare
    route53.on(ListResourceRecordSetsCommand).rejectsOnce(throttling()).resolves(listing(cname(SOURCE_HOST)));
    route53.on(ChangeResourceRecordSetsCommand).resolves(changeInfo('INSYNC'));

    // Act
    const outcome = await newSwitch().pointTo('target');

    // Assess
    expect(outcome.action).toBe('switched');
    expect(route53.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(2);
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([25]);
  });

  it('retries a change refused while the previous one is still being applied', async () => {
    // Prepare
    route53.on(ListResourceRecordSetsCommand).resolves(listing(cname(SOURCE_HOST)));
    route53
      .on(ChangeResourceRecordSetsCommand)
      .rejectsOnce(new PriorRequestNotComplete({ $metadata: metadata(400), message: 'The request was rejected because Route 53 was still processing a prior request.' }))
      .resolves(changeInfo('INSYNC'));

    // Act
    const outcome = await newSwitch().pointTo('target');

    // Assess
    expect(outcome.action).toBe('switched');
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(2);
  });

  it('surfaces persistent throttling of GetChange as a transient error after every attempt', async () => {
    // Prepare
    route53.on(ListResourceRecordSetsCommand).resolves(listing(cname(SOURCE_HOST)));
    route53.on(ChangeResourceRecordSetsCommand).resolves(changeInfo('PENDING'));
    route53.on(GetChangeCommand).rejects(throttling());

    // Act
    const attempt = newSwitch().pointTo('target');

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(SwitchTransientError);
    await expect(attempt).rejects.toThrow(`Route 53 GetChange on record ${RECORD} in hosted zone ${ZONE} kept failing on the AWS side (Throttling: Rate exceeded)`);
    expect(route53.commandCalls(GetChangeCommand)).toHaveLength(3);
  });

  it('reports a hosted zone that does not exist without retrying', async () => {
    // Prepare
    route53.on(ListResourceRecordSetsCommand).rejects(new NoSuchHostedZone({ $metadata: metadata(404), message: `No hosted zone found with ID: ${ZONE}` }));

    // Act
    const attempt = newSwitch().pointTo('target');

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(SwitchFailedError);
    await expect(attempt).rejects.toThrow(`found nothing (NoSuchHostedZone: No hosted zone found with ID: ${ZONE}). Check hostedZoneId`);
    expect(route53.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(1);
  });

  it('reports a change batch Route 53 rejects, with its reasons, without retrying', async () => {
    // Prepare
    const reason = `RRSet of type CNAME with DNS name ${RECORD}. is not permitted because a conflicting RRSet of type A with the same DNS name already exists in zone orders.internal.`;
    route53.on(ListResourceRecordSetsCommand).resolves(listing(cname(SOURCE_HOST)));
    route53.on(ChangeResourceRecordSetsCommand).rejects(new InvalidChangeBatch({ $metadata: metadata(400), message: `[${reason}]`, messages: [reason] }));

    // Act
    const attempt = newSwitch().pointTo('target');

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(SwitchFailedError);
    await expect(attempt).rejects.toThrow(`Route 53 ChangeResourceRecordSets on record ${RECORD} in hosted zone ${ZONE} was refused (InvalidChangeBatch: [${reason}])`);
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(1);
  });
});
