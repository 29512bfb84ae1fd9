import type { CheckpointStore } from './checkpoints';
import type { MigrationConfig } from './migration-config';
import type { Notifier } from './notifier';
import type { MetricsPort } from './observability';
import type { Database } from './pg/connection';
import type { ReplicationEngine } from './replication/engine';
import type { FinishScheduler } from './finish-scheduler';
import type { RestorePoints } from './restore-points/rds';
import type { RollbackStarter } from './rollback-starter';
import type { Switch } from './switch/switch';

/** Both databases of a migration, opened; `close()` ends both pools. */
export interface OpenDatabases {
  readonly source: Database;
  readonly target: Database;
  close(): Promise<void>;
}

/**
 * Everything a workflow step needs from the world, as ports. In Lambda it is `awsRuntime()`
 * (DynamoDB, Secrets Manager, SNS, DMS, EMF metrics); locally `localRuntime()` (dynalite, a
 * static secret map, a notification list, the native engine). Steps take it as an argument, so
 * the same step code runs in both.
 */
export interface StepRuntime {
  readonly store: CheckpointStore;
  readonly metrics: MetricsPort;
  readonly notifier: Notifier;
  /** The migration's validated configuration; MigrationNotConfiguredError for an unknown id. */
  migration(migrationId: string): MigrationConfig;
  openDatabases(migration: MigrationConfig, options?: { readonly max?: number }): Promise<OpenDatabases>;
  engine(migration: MigrationConfig, databases: OpenDatabases): Promise<ReplicationEngine>;
  /** How the migration's clients find their database (its `switch`). */
  switchFor(migration: MigrationConfig): Promise<Switch>;
  /** Starts the rollback workflow (execution-ended does, for a cutover or rollback that ended half-way). */
  readonly rollbacks: RollbackStarter;
  /** Starts the finish workflow when a cutover's observation window ends (EventBridge Scheduler). */
  readonly finishes: FinishScheduler;
  /** RDS backups and manual snapshots of the databases that name an RDS instance or Aurora cluster. */
  readonly restorePoints: RestorePoints;
  now(): number;
  /**
   * When this invocation must have returned (epoch ms): Lambda's remaining time less a safety
   * margin (`stepHandler`), `NO_DEADLINE` locally and outside a handler.
   */
  deadline(): number;
}

/** The deadline of a runtime with no time limit: the latest time a Date can hold (year 275760). */
export const NO_DEADLINE = 8_640_000_000_000_000;

/**
 * The runtime with `deadline()` returning `deadline`, for one invocation. A view over `runtime`
 * (its prototype), not a copy: the ports it creates lazily stay lazy and shared.
 */
export function withDeadline<R extends StepRuntime>(runtime: R, deadline: number): R {
  return Object.create(runtime, { deadline: { value: () => deadline, enumerable: true } }) as R;
}

/** Runs `fn` with both databases of the migration open, and closes them afterwards. */
export async function withDatabases<T>(
  runtime: StepRuntime,
  migration: MigrationConfig,
  fn: (databases: OpenDatabases) => Promise<T>,
  options: { readonly max?: number } = {},
): Promise<T> {
  const databases = await runtime.openDatabases(migration, options);
  try {
    return await fn(databases);
  } finally {
    await databases.close();
  }
}

/** Runs `fn` with the migration's replication engine (and its databases). */
export function withEngine<T>(runtime: StepRuntime, migration: MigrationConfig, fn: (engine: ReplicationEngine, databases: OpenDatabases) => Promise<T>): Promise<T> {
  return withDatabases(runtime, migration, async (databases) => fn(await runtime.engine(migration, databases), databases), { max: 2 });
}
