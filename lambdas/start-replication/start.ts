import type { ReplicationEngine, ReplicationState } from '../shared/replication/engine';

export interface StartReplicationInput {
  readonly migrationId: string;
  /** Restart the full load from scratch; only for empty target tables. */
  readonly reload: boolean;
}

export interface StartReplicationOutput {
  readonly migrationId: string;
  readonly engine: 'dms' | 'native';
  readonly action: 'started' | 'resumed' | 'reloaded' | 'already-running';
  readonly message: string;
  /** The state right after the start, for the first turn of the workflow's wait loop. */
  readonly state: ReplicationState;
}

/** Starts or resumes the replication; safe to repeat (a running replication is left alone). */
export async function startReplication(input: StartReplicationInput, engine: ReplicationEngine): Promise<StartReplicationOutput> {
  const outcome = await engine.start({ reload: input.reload });
  const status = await engine.status();
  return { migrationId: input.migrationId, engine: engine.kind, action: outcome.action, message: outcome.message, state: status.state };
}
