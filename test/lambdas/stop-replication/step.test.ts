import { describe, expect, it } from 'vitest';
import type { MigrationConfigInput } from '../../../lambdas/shared/migration-config';
import type { Database } from '../../../lambdas/shared/pg/connection';
import type { ReplicationEngine, ReplicationLag, ReplicationStatus, ReverseReplication, StartOutcome, StopOutcome } from '../../../lambdas/shared/replication/engine';
import type { StepRuntime } from '../../../lambdas/shared/runtime';
import { stopReplicationStep } from '../../../lambdas/stop-replication/step';
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

  constructor(
    readonly direction: 'forward' | 'reverse',
    private readonly calls: string[],
    private readonly reverseEngine?: RecordingEngine,
  ) {}

  async stop(): Promise<StopOutcome> {
    this.calls.push(`${this.direction}.stop`);
    return { action: 'stopped', message: `${this.direction} replication stopped; its slot was dropped` };
  }

  async reverse(): Promise<ReplicationEngine | undefined> {
    this.calls.push(`${this.direction}.reverse`);
    return this.reverseEngine;
  }

  async start(): Promise<StartOutcome> {
    throw new Error('start is not used here');
  }

  async prepareReverse(): Promise<ReverseReplication> {
    throw new Error('prepareReverse is not used here');
  }

  async status(): Promise<ReplicationStatus> {
    throw new Error('status is not used here');
  }

  async lag(): Promise<ReplicationLag> {
    throw new Error('lag is not used here');
  }
}

describe('stop-replication step', () => {
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

  it('stops the reverse replication first, then the forward one, and reports both', async () => {
    // Prepare
    const { runtime, calls } = await newRuntime((c) => new RecordingEngine('forward', c, new RecordingEngine('reverse', c)));

    // Act
    const output = await stopReplicationStep({ migrationId: 'orders' }, runtime);

    // Assess
    expect(output).toEqual({
      reverse: 'reverse replication stopped; its slot was dropped',
      forward: 'forward replication stopped; its slot was dropped',
    });
    expect(calls).toEqual(['forward.reverse', 'reverse.stop', 'forward.stop', 'databases.close']);
  });

  it('stops forward replication alone when there is no reverse one, and says so', async () => {
    // Prepare
    const { runtime, calls } = await newRuntime((c) => new RecordingEngine('forward', c));

    // Act
    const output = await stopReplicationStep({ migrationId: 'orders' }, runtime);

    // Assess
    expect(output).toEqual({ reverse: 'no reverse replication', forward: 'forward replication stopped; its slot was dropped' });
    expect(calls).toEqual(['forward.reverse', 'forward.stop', 'databases.close']);
  });

  it('rejects a missing migrationId and an unknown field, naming them, and stops nothing', async () => {
    // Prepare
    const { runtime, calls } = await newRuntime((c) => new RecordingEngine('forward', c));

    // Act
    const noId = await stopReplicationStep({}, runtime).catch((e: Error) => e);
    const extra = await stopReplicationStep({ migrationId: 'orders', direction: 'reverse' }, runtime).catch((e: Error) => e);

    // Assess
    expect(noId).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('migrationId: ') });
    expect(extra).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('unknown field(s) direction') });
    expect(calls).toEqual([]);
  });

  it('does not stop a migration that is not configured', async () => {
    // Prepare
    const { runtime, calls } = await newRuntime((c) => new RecordingEngine('forward', c));

    // Act
    const error = await stopReplicationStep({ migrationId: 'invoices' }, runtime).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'MigrationNotConfiguredError' });
    expect(calls).toEqual([]);
  });
});
