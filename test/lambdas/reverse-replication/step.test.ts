import { describe, expect, it } from 'vitest';
import { reverseReplicationStep } from '../../../lambdas/reverse-replication/step';
import type { MigrationConfigInput } from '../../../lambdas/shared/migration-config';
import type { Database } from '../../../lambdas/shared/pg/connection';
import type { ReplicationEngine, ReplicationLag, ReplicationStatus, ReverseReplication, StartOutcome, StopOutcome } from '../../../lambdas/shared/replication/engine';
import type { StepRuntime } from '../../../lambdas/shared/runtime';
import { localRuntime } from '../../../local/runtime';
import { useDynalite } from '../../helpers/dynalite';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-AbCdEf';
const ORDERS: MigrationConfigInput = {
  id: 'orders',
  source: { host: 'source.example', database: 'orders', secretArn: SECRET },
  target: { host: 'target.example', database: 'orders', secretArn: SECRET },
  replication: { engine: 'native' },
  switch: { strategy: 'ssm-parameter', parameterName: '/orders/db' },
};

/** An engine that writes each call into `calls` as `direction.method`, in order. */
class RecordingEngine implements ReplicationEngine {
  readonly kind = 'native' as const;
  stopError: Error | undefined;

  constructor(
    readonly direction: 'forward' | 'reverse',
    private readonly calls: string[],
    private readonly reverseEngine?: RecordingEngine,
  ) {}

  async start(): Promise<StartOutcome> {
    this.calls.push(`${this.direction}.start`);
    return { action: 'resumed', message: 'the subscription was enabled again' };
  }

  async stop(): Promise<StopOutcome> {
    this.calls.push(`${this.direction}.stop`);
    if (this.stopError) throw this.stopError;
    return { action: 'stopped', message: `${this.direction} replication stopped` };
  }

  async prepareReverse(): Promise<ReverseReplication> {
    this.calls.push(`${this.direction}.prepareReverse`);
    return { action: 'prepared', startPosition: '0/3000060', message: 'reverse replication starts at 0/3000060' };
  }

  async reverse(): Promise<ReplicationEngine | undefined> {
    this.calls.push(`${this.direction}.reverse`);
    return this.reverseEngine;
  }

  async status(): Promise<ReplicationStatus> {
    throw new Error('status is not used here');
  }

  async lag(): Promise<ReplicationLag> {
    throw new Error('lag is not used here');
  }
}

describe('reverse-replication step', () => {
  const dynamo = useDynalite();

  /** The local runtime with no databases: `engine()` returns the forward engine given. */
  async function newRuntime(build: (calls: string[]) => RecordingEngine) {
    const calls: string[] = [];
    const forward = build(calls);
    const local = localRuntime({ store: await dynamo.newStore(), migrations: [ORDERS], secrets: {} });
    const none = {} as Database;
    const runtime: StepRuntime = {
      ...local,
      openDatabases: async () => ({ source: none, target: none, close: async () => void calls.push('databases.close') }),
      engine: async () => forward,
    };
    return { runtime, calls };
  }

  it('prepare sets up the reverse replication and returns where it starts', async () => {
    // Prepare
    const { runtime, calls } = await newRuntime((c) => new RecordingEngine('forward', c));

    // Act
    const output = await reverseReplicationStep({ action: 'prepare', migrationId: 'orders' }, runtime);

    // Assess
    expect(output).toEqual({ action: 'prepared', startPosition: '0/3000060', message: 'reverse replication starts at 0/3000060' });
    expect(calls).toEqual(['forward.prepareReverse', 'databases.close']);
  });

  it('undo with no reverse replication only resumes forward replication (nothing-to-undo)', async () => {
    // Prepare
    const { runtime, calls } = await newRuntime((c) => new RecordingEngine('forward', c));

    // Act
    const output = await reverseReplicationStep({ action: 'undo', migrationId: 'orders' }, runtime);

    // Assess
    expect(output).toEqual({
      action: 'nothing-to-undo',
      message: 'No reverse replication to remove; forward replication: the subscription was enabled again',
    });
    expect(calls).toEqual(['forward.reverse', 'forward.start', 'databases.close']);
  });

  it('undo stops the reverse replication first, then resumes forward replication', async () => {
    // Prepare
    const { runtime, calls } = await newRuntime((c) => new RecordingEngine('forward', c, new RecordingEngine('reverse', c)));

    // Act
    const output = await reverseReplicationStep({ action: 'undo', migrationId: 'orders' }, runtime);

    // Assess
    expect(output).toEqual({ action: 'undone', message: 'Reverse replication removed; forward replication: the subscription was enabled again' });
    expect(calls).toEqual(['forward.reverse', 'reverse.stop', 'forward.start', 'databases.close']);
  });

  it('does not resume forward replication when the reverse one cannot be stopped, and still closes the databases', async () => {
    // Prepare
    const { runtime, calls } = await newRuntime((c) => {
      const reverse = new RecordingEngine('reverse', c);
      reverse.stopError = new Error('the slot is active for another process');
      return new RecordingEngine('forward', c, reverse);
    });

    // Act
    const error = await reverseReplicationStep({ action: 'undo', migrationId: 'orders' }, runtime).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ message: 'the slot is active for another process' });
    expect(calls).toEqual(['forward.reverse', 'reverse.stop', 'databases.close']);
  });

  it('rejects an unknown action and a missing migrationId, naming the fields, and opens nothing', async () => {
    // Prepare
    const { runtime, calls } = await newRuntime((c) => new RecordingEngine('forward', c));

    // Act
    const badAction = await reverseReplicationStep({ action: 'start', migrationId: 'orders' }, runtime).catch((e: Error) => e);
    const noId = await reverseReplicationStep({ action: 'undo' }, runtime).catch((e: Error) => e);

    // Assess
    expect(badAction).toMatchObject({ name: 'InvalidInputError', message: expect.stringMatching(/action: .*must be 'prepare' or 'undo'/) });
    expect(noId).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('migrationId: ') });
    expect(calls).toEqual([]);
  });
});
