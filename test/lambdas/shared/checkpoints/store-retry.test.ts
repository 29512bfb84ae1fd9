import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CheckpointStore } from '../../../../lambdas/shared/checkpoints';
import { awsErrors } from '../../../helpers/aws-errors';

const ddb = mockClient(DynamoDBDocumentClient);
const sleep = vi.fn(async (_ms: number) => undefined);

function newStore() {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
  return new CheckpointStore({
    client,
    tableName: 'ferry-checkpoints',
    now: () => Date.UTC(2030, 0, 1),
    retry: { sleep, random: () => 0.5, baseDelayMs: 100, maxAttempts: 4 },
  });
}

const stateItem = { pk: 'MIGRATION#orders', sk: 'STATE', migrationId: 'orders', phase: 'ready', version: 3, history: [] };

beforeEach(() => {
  ddb.reset();
  sleep.mockClear();
});

describe('checkpoint store against a throttled or failing DynamoDB', () => {
  it('retries ThrottlingException with backoff, then returns the item', async () => {
    // Prepare
    ddb
      .on(GetCommand)
      .rejectsOnce(awsErrors.throttling())
      .rejectsOnce(awsErrors.throttling())
      .resolves({ Item: stateItem });

    // Act
    const state = await newStore().getState('orders');

    // Assess
    expect(state).toMatchObject({ phase: 'ready', version: 3 });
    expect(ddb.commandCalls(GetCommand)).toHaveLength(3);
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([50, 100]);
  });

  it('retries ProvisionedThroughputExceededException on a write, then succeeds', async () => {
    // Prepare
    ddb.on(PutCommand).rejectsOnce(awsErrors.provisionedThroughputExceeded()).resolves({});

    // Act
    await newStore().putSegment('run-1', 'public.orders', 3, { status: 'done' });

    // Assess
    const calls = ddb.commandCalls(PutCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input).toEqual(calls[0]?.args[0].input);
    expect(sleep).toHaveBeenCalledTimes(1);
  });

  it('retries 500 and 503 responses, then succeeds', async () => {
    // Prepare
    ddb
      .on(UpdateCommand)
      .rejectsOnce(awsErrors.internalServerError())
      .rejectsOnce(awsErrors.serviceUnavailable())
      .resolves({ Attributes: { ...stateItem, phase: 'new', version: 1 } });

    // Act
    const state = await newStore().ensureState('orders');

    // Assess
    expect(state).toMatchObject({ phase: 'new', version: 1 });
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(3);
  });

  it('retries a reset connection', async () => {
    // Prepare
    ddb.on(GetCommand).rejectsOnce(awsErrors.connectionReset()).resolves({ Item: stateItem });

    // Act
    const state = await newStore().getState('orders');

    // Assess
    expect(state?.phase).toBe('ready');
    expect(ddb.commandCalls(GetCommand)).toHaveLength(2);
  });

  it('does not retry a ValidationException and surfaces it unchanged', async () => {
    // Prepare
    const invalid = awsErrors.validation();
    ddb.on(PutCommand).rejects(invalid);

    // Act
    const attempt = newStore().putReport('orders', 'failure', { workflow: 'migrate', executionId: 'exec-1', error: 'Boom', cause: 'boom', at: '2030-01-01T00:00:00.000Z', failedAfter: [], lock: 'released' });

    // Assess
    await expect(attempt).rejects.toBe(invalid);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('does not retry a ConditionalCheckFailedException', async () => {
    // Prepare
    ddb.on(PutCommand).rejects(awsErrors.conditionalCheckFailed());

    // Act
    const attempt = newStore().putSegment('run-1', 'public.orders', 0, { status: 'done' });

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(ddb.commandCalls(PutCommand)).toHaveLength(1);
  });

  it('gives up after maxAttempts with a retryable CheckpointTransientError caused by the original error', async () => {
    // Prepare
    const throttled = awsErrors.throttling();
    ddb.on(GetCommand).rejects(throttled);

    // Act
    const attempt = newStore().getStep('run-1', 'preflight');

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'CheckpointTransientError', retryable: true, cause: throttled });
    expect(ddb.commandCalls(GetCommand)).toHaveLength(4);
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([50, 100, 200]);
  });
});
