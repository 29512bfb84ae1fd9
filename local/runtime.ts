import { InProcessCopyRunner } from './copy-runner';
import type { NativeEngine } from '../lambdas/shared/replication/native/engine';
import type { CheckpointStore } from '../lambdas/shared/checkpoints';
import { openEndpoint } from '../lambdas/shared/endpoints';
import { MigrationSchema, type MigrationConfig, type MigrationConfigInput } from '../lambdas/shared/migration-config';
import { MemoryNotifier } from '../lambdas/shared/notifier';
import { MemoryMetrics } from '../lambdas/shared/observability';
import { createEngine } from '../lambdas/shared/replication/open-engine';
import { MigrationNotConfiguredError } from '../lambdas/shared/runtime-config';
import { NO_DEADLINE, type StepRuntime } from '../lambdas/shared/runtime';
import { staticSecrets } from '../lambdas/shared/secrets';
import type { DatabaseSecret } from '../lambdas/shared/secrets';
import type { FinishScheduler } from '../lambdas/shared/finish-scheduler';
import { RestorePointFailedError, type RestorePoints } from '../lambdas/shared/restore-points/rds';
import type { RollbackStarter } from '../lambdas/shared/rollback-starter';
import { MemorySwitch, type Switch } from '../lambdas/shared/switch/switch';

export interface LocalRuntimeOptions {
  /** The checkpoint store, on dynalite. */
  readonly store: CheckpointStore;
  /** Migrations as in cdk.json (validated here; defaults applied). Native engine only. */
  readonly migrations: readonly MigrationConfigInput[];
  /** Secret values by ARN (the local stand-in for Secrets Manager). */
  readonly secrets: Readonly<Record<string, DatabaseSecret>>;
  /** @default Date.now */
  readonly now?: () => number;
  /**
   * The switch of each migration, by id (a PgBouncer switch, or a MemorySwitch the test clients read).
   * @default a MemorySwitch per migration, pointing at its source
   */
  readonly switches?: Readonly<Record<string, Switch>>;
  /**
   * Starts the rollback workflow (the local runner, in a rehearsal).
   * @default records the requests in `startedRollbacks` and starts nothing
   */
  readonly rollbacks?: RollbackStarter;
  /**
   * Schedules the finish workflow.
   * @default keeps the schedules in `scheduledFinishes` and starts nothing
   */
  readonly finishes?: FinishScheduler;
  /**
   * RDS backups and snapshots (tests give a client-mocked RDS adapter).
   * @default refuses every call: local servers are not RDS
   */
  readonly restorePoints?: RestorePoints;
}

export interface LocalRuntime extends StepRuntime {
  /** Rollbacks asked for when no starter was given. */
  readonly startedRollbacks: Array<{ readonly name: string; readonly input: { readonly migrationId: string; readonly reason: string } }>;
  /** Finish schedules by migration id (epoch ms) when no scheduler was given. */
  readonly scheduledFinishes: Map<string, number>;
  readonly notifier: MemoryNotifier;
  readonly metrics: MemoryMetrics;
  /** Where parallel copies run: in this process. */
  readonly copies: InProcessCopyRunner;
}

/**
 * The steps' runtime on one machine: the same step code as in Lambda, with dynalite for the
 * checkpoint table, a secret map, notifications and metrics kept in memory, and the native
 * engine (DMS has no local twin). The local servers listen on 127.0.0.1 without TLS.
 */
export function localRuntime(options: LocalRuntimeOptions): LocalRuntime {
  const migrations: MigrationConfig[] = options.migrations.map((m) => MigrationSchema.parse(m));
  for (const m of migrations) {
    if (m.replication.engine !== 'native') throw new RangeError(`migration '${m.id}': the local runtime runs the native engine only, not ${m.replication.engine}`);
  }
  const secrets = staticSecrets(options.secrets);
  const switches = new Map<string, Switch>(Object.entries(options.switches ?? {}));
  const startedRollbacks: LocalRuntime['startedRollbacks'] = [];
  const scheduledFinishes = new Map<string, number>();
  // A copy job does what the ECS task's entry point does, with this runtime's databases.
  const copies = new InProcessCopyRunner(async (migrationId, signal) => {
    const migration = runtime.migration(migrationId);
    const databases = await runtime.openDatabases(migration, { max: 2 });
    try {
      return await ((await runtime.engine(migration, databases)) as NativeEngine).runCopyJob(signal);
    } finally {
      await databases.close();
    }
  });
  const runtime: LocalRuntime = {
    copies,
    store: options.store,
    metrics: new MemoryMetrics(),
    notifier: new MemoryNotifier(),
    migration(id) {
      const found = migrations.find((m) => m.id === id);
      if (!found) throw new MigrationNotConfiguredError(id, migrations.map((m) => m.id));
      return found;
    },
    async openDatabases(migration, opts = {}) {
      const endpointOptions = { insecureNoTls: true, ...(opts.max === undefined ? {} : { max: opts.max }) };
      const [source, target] = await Promise.all([
        openEndpoint('source', migration.source, secrets, endpointOptions),
        openEndpoint('target', migration.target, secrets, endpointOptions),
      ]);
      return { source, target, close: async () => void (await Promise.all([source.close(), target.close()])) };
    },
    engine: (migration, { source, target }) => createEngine(migration, { source, target, secrets, insecureNoTls: true, copyRunner: copies }),
    startedRollbacks,
    rollbacks: options.rollbacks ?? {
      async startRollback(name, input) {
        startedRollbacks.push({ name, input });
        return name;
      },
    },
    restorePoints: options.restorePoints ?? NO_RDS,
    scheduledFinishes,
    finishes: options.finishes ?? {
      async scheduleFinish(migrationId, at) {
        scheduledFinishes.set(migrationId, at);
        return `local-${migrationId}-finish`;
      },
      cancelFinish: async (migrationId) => scheduledFinishes.delete(migrationId),
    },
    async switchFor(migration) {
      let found = switches.get(migration.id);
      if (!found) {
        found = new MemorySwitch({ source: migration.source, target: migration.target });
        switches.set(migration.id, found);
      }
      return found;
    },
    now: options.now ?? Date.now,
    // No Lambda timeout on one machine; the local compare and verification steps take their own budgets (local/steps.ts).
    deadline: () => NO_DEADLINE,
  };
  return runtime;
}

const noRds = async (): Promise<never> => {
  throw new RestorePointFailedError('The local runtime has no RDS: a local migration must not name rdsInstanceId or rdsClusterId.');
};

/** Local servers are not RDS; a migration that names an RDS database cannot run locally. */
const NO_RDS: RestorePoints = { backupState: noRds, createSnapshot: noRds, snapshotState: noRds };
