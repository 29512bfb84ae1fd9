import type { CheckpointStore } from '../../lambdas/shared/checkpoints';
import type { Database } from '../../lambdas/shared/pg/connection';
import type { ReplicationEngine, ReplicationLag, ReplicationStatus, ReverseReplication, StartOutcome, StopOutcome } from '../../lambdas/shared/replication/engine';
import type { StepRuntime } from '../../lambdas/shared/runtime';
import { localRuntime } from '../../local/runtime';
import { ORDERS } from './migrations';

/** An engine that writes each call into `calls` as `direction.method`, in order. */
export class RecordingEngine implements ReplicationEngine {
  readonly kind = 'native' as const;
  /** Set to make `stop()` fail with it. */
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
    return { action: 'stopped', message: `${this.direction} replication stopped; its slot was dropped` };
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

/** The local runtime over the ORDERS fixture with no databases: `engine()` returns the forward engine `build` makes. */
export function recordingRuntime(store: CheckpointStore, build: (calls: string[]) => RecordingEngine): { runtime: StepRuntime; calls: string[] } {
  const calls: string[] = [];
  const forward = build(calls);
  const local = localRuntime({ store, migrations: [ORDERS], secrets: {} });
  // Databases that hold nothing: a query (a capture slot looked for, say) finds no row.
  const none = { label: 'database', query: async () => [] } as unknown as Database;
  const runtime: StepRuntime = {
    ...local,
    openDatabases: async () => ({ source: none, target: none, close: async () => void calls.push('databases.close') }),
    engine: async () => forward,
  };
  return { runtime, calls };
}
