import {
  AccessDeniedException,
  GetParameterCommand,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
  SSMServiceException,
  TooManyUpdates,
  type GetParameterCommandOutput,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { TransientError } from '../../../../lambdas/shared/errors';
import { SsmParameterSwitch, type SsmParameterFormat } from '../../../../lambdas/shared/switch/ssm-parameter';
import {
  SwitchFailedError,
  SwitchTransientError,
  SwitchUnexpectedValueError,
  type SwitchEndpoints,
} from '../../../../lambdas/shared/switch/switch';

const ssm = mockClient(SSMClient);
const sleep = vi.fn(async (_ms: number) => undefined);

const PARAMETER = '/orders/db-endpoint';
const SOURCE_HOST = 'orders-db.cluster-c9akciq32rlx.eu-west-1.rds.amazonaws.com';
const TARGET_HOST = 'orders-pg16.cluster-c9akciq32rlx.eu-west-1.rds.amazonaws.com';
const ENDPOINTS: SwitchEndpoints = {
  source: { host: SOURCE_HOST, port: 5432, database: 'orders' },
  target: { host: TARGET_HOST, port: 5432, database: 'orders' },
};

const metadata = (httpStatusCode: number) => ({ httpStatusCode, requestId: '5d1b2c1e-8f0a-4a7e-9a53-0c3f4b6f1e2a', attempts: 1, totalRetryDelay: 0 });
const throttling = () =>
  new SSMServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: metadata(400), message: 'Rate exceeded' });

/** GetParameter as SSM answers it for a String parameter at version 3. */
function parameter(value: string, type: 'String' | 'SecureString' = 'String'): GetParameterCommandOutput {
  return {
    $metadata: metadata(200),
    Parameter: {
      Name: PARAMETER,
      Type: type,
      Value: value,
      Version: 3,
      LastModifiedDate: new Date('2030-01-01T09:12:41.618Z'),
      ARN: `arn:aws:ssm:eu-west-1:123456789012:parameter${PARAMETER}`,
      DataType: 'text',
    },
  };
}

const newSwitch = (format: SsmParameterFormat = 'host', endpoints = ENDPOINTS) =>
  new SsmParameterSwitch({
    ssm: new SSMClient({ region: 'eu-west-1' }),
    parameterName: PARAMETER,
    format,
    endpoints,
    retry: { sleep, random: () => 0.5, maxAttempts: 3 },
  });

beforeEach(() => {
  ssm.reset();
  sleep.mockClear();
});

describe('an SSM parameter holding the host', () => {
  it('points the clients at the target by overwriting the parameter, keeping its type', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves(parameter(SOURCE_HOST));
    ssm.on(PutParameterCommand).resolves({ Version: 4, Tier: 'Standard' });

    // Act
    const outcome = await newSwitch().pointTo('target');

    // Assess
    expect(outcome).toEqual({
      action: 'switched',
      side: 'target',
      from: SOURCE_HOST,
      to: TARGET_HOST,
      message: `SSM parameter ${PARAMETER} moved from "${SOURCE_HOST}" to the target ("${TARGET_HOST}"), version 4`,
    });
    const puts = ssm.commandCalls(PutParameterCommand);
    expect(puts).toHaveLength(1);
    expect(puts[0]!.args[0].input).toStrictEqual({ Name: PARAMETER, Value: TARGET_HOST, Overwrite: true });
  });

  it('writes nothing when the parameter already names the target', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves(parameter(TARGET_HOST));

    // Act
    const outcome = await newSwitch().pointTo('target');

    // Assess
    expect(outcome).toMatchObject({ action: 'already', side: 'target', from: TARGET_HOST, to: TARGET_HOST });
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  it('points the clients back at the source on rollback', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves(parameter(TARGET_HOST));
    ssm.on(PutParameterCommand).resolves({ Version: 5, Tier: 'Standard' });

    // Act
    const outcome = await newSwitch().pointTo('source');

    // Assess
    expect(outcome).toMatchObject({ action: 'switched', side: 'source', from: TARGET_HOST, to: SOURCE_HOST });
    expect(ssm.commandCalls(PutParameterCommand)[0]!.args[0].input.Value).toBe(SOURCE_HOST);
  });

  it('reads the parameter decrypted, so a SecureString endpoint is compared in clear', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves(parameter(SOURCE_HOST, 'SecureString'));

    // Act
    const position = await newSwitch().current();

    // Assess
    expect(position).toEqual({ side: 'source', value: SOURCE_HOST });
    expect(ssm.commandCalls(GetParameterCommand)[0]!.args[0].input).toEqual({ Name: PARAMETER, WithDecryption: true });
  });

  it('recognises a host written in capitals or with a final dot', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves(parameter(`${TARGET_HOST.toUpperCase()}.`));

    // Act
    const position = await newSwitch().current();

    // Assess
    expect(position.side).toBe('target');
  });

  it('refuses a value that is neither endpoint, says what it found and expected, and writes nothing', async () => {
    // Prepare
    const foreign = 'orders-replica.c9akciq32rlx.eu-west-1.rds.amazonaws.com';
    ssm.on(GetParameterCommand).resolves(parameter(foreign));

    // Act
    const attempt = newSwitch().pointTo('target');

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(SwitchUnexpectedValueError);
    await expect(attempt).rejects.toThrow(
      `SSM parameter ${PARAMETER} holds "${foreign}", which is neither the source ("${SOURCE_HOST}") nor the target ("${TARGET_HOST}") in the 'host' format`,
    );
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  it('refuses the host format when source and target share a host, as it could not tell them apart', () => {
    // Prepare
    const sameHost: SwitchEndpoints = { source: ENDPOINTS.source, target: { ...ENDPOINTS.source, port: 5433 } };

    // Act
    const create = () => newSwitch('host', sameHost);

    // Assess
    expect(create).toThrow(SwitchFailedError);
    expect(create).toThrow("Use the 'host-port' or 'json' format");
    expect(() => newSwitch('host-port', sameHost)).not.toThrow();
  });
});

describe('an SSM parameter in the host-port and json formats', () => {
  it('writes host:port', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves(parameter(`${SOURCE_HOST}:5432`));
    ssm.on(PutParameterCommand).resolves({ Version: 4, Tier: 'Standard' });

    // Act
    const outcome = await newSwitch('host-port').pointTo('target');

    // Assess
    expect(outcome.to).toBe(`${TARGET_HOST}:5432`);
    expect(ssm.commandCalls(PutParameterCommand)[0]!.args[0].input.Value).toBe(`${TARGET_HOST}:5432`);
  });

  it('recognises a JSON value by its fields, whatever their order, spacing or port type', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves(parameter(`{ "database": "orders", "port": "5432", "host": "${TARGET_HOST}" }`));

    // Act
    const position = await newSwitch('json').current();

    // Assess
    expect(position.side).toBe('target');
  });

  it('writes the JSON endpoint and keeps the fields it does not own', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves(parameter(`{"host":"${SOURCE_HOST}","port":5432,"database":"orders","sslmode":"verify-full"}`));
    ssm.on(PutParameterCommand).resolves({ Version: 4, Tier: 'Standard' });

    // Act
    await newSwitch('json').pointTo('target');

    // Assess
    const written = JSON.parse(ssm.commandCalls(PutParameterCommand)[0]!.args[0].input.Value!);
    expect(written).toStrictEqual({ host: TARGET_HOST, port: 5432, database: 'orders', sslmode: 'verify-full' });
  });

  it('treats JSON naming another database of the source host as unexpected', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves(parameter(`{"host":"${SOURCE_HOST}","port":5432,"database":"orders_archive"}`));

    // Act
    const attempt = newSwitch('json').pointTo('target');

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(SwitchUnexpectedValueError);
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  });
});

describe('SSM answering with errors', () => {
  it('retries a throttled read with backoff, then switches', async () => {
    // Prepare
    ssm.on(GetParameterCommand).rejectsOnce(throttling()).resolves(parameter(SOURCE_HOST));
    ssm.on(PutParameterCommand).resolves({ Version: 4, Tier: 'Standard' });

    // Act
    const outcome = await newSwitch().pointTo('target');

    // Assess
    expect(outcome.action).toBe('switched');
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([25]);
  });

  it('retries a write refused for concurrent updates, then switches', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves(parameter(SOURCE_HOST));
    ssm
      .on(PutParameterCommand)
      .rejectsOnce(new TooManyUpdates({ $metadata: metadata(400), message: 'There are concurrent updates for a resource that supports one update at a time.' }))
      .resolves({ Version: 4, Tier: 'Standard' });

    // Act
    const outcome = await newSwitch().pointTo('target');

    // Assess
    expect(outcome.action).toBe('switched');
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(2);
  });

  it('surfaces persistent throttling as a transient error the workflow retries, after every attempt', async () => {
    // Prepare
    const throttled = throttling();
    ssm.on(GetParameterCommand).rejects(throttled);

    // Act
    const attempt = newSwitch().pointTo('target');

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(SwitchTransientError);
    await expect(attempt).rejects.toBeInstanceOf(TransientError);
    await expect(attempt).rejects.toMatchObject({
      name: 'SwitchTransientError',
      cause: throttled,
      message: expect.stringContaining(`SSM GetParameter on parameter ${PARAMETER} kept failing on the AWS side (ThrottlingException: Rate exceeded)`),
    });
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(3);
  });

  it('reports a missing parameter without retrying, telling the operator to create it with the source endpoint', async () => {
    // Prepare
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ $metadata: metadata(400), message: '' }));

    // Act
    const attempt = newSwitch('host-port').pointTo('target');

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(SwitchFailedError);
    await expect(attempt).rejects.toThrow(
      `SSM GetParameter on parameter ${PARAMETER} found nothing (ParameterNotFound). Create the parameter with the source endpoint ` +
        `before the cutover (aws ssm put-parameter --name ${PARAMETER} --type String --value '${SOURCE_HOST}:5432')`,
    );
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('reports a denied write with the permission to check', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves(parameter(SOURCE_HOST));
    const denial =
      `User: arn:aws:sts::123456789012:assumed-role/ferry-switch/ferry-switch is not authorized to perform: ssm:PutParameter ` +
      `on resource: arn:aws:ssm:eu-west-1:123456789012:parameter${PARAMETER} because no identity-based policy allows the ssm:PutParameter action`;
    ssm.on(PutParameterCommand).rejects(new AccessDeniedException({ $metadata: metadata(400), message: denial, Message: denial }));

    // Act
    const attempt = newSwitch().pointTo('target');

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(SwitchFailedError);
    await expect(attempt).rejects.toThrow(/was denied \(AccessDeniedException: User: .* is not authorized .*\)\. Check that the role of the switch function allows ssm:PutParameter/);
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(1);
  });
});
