import { NativeEngine } from '../../lambdas/shared/replication/native/engine';
import type { MigrationConfigInput } from '../../lambdas/shared/migration-config';
import { localRuntime, type LocalRuntime } from '../../local/runtime';
import { LOCAL_STEPS } from '../../local/steps';
import { runWorkflow, startWorkflow, type RunWorkflowOptions } from '../../local/workflow-runner';
import type { DatabasePair } from '../helpers/database-pair';
import type { DynaliteFixture } from '../helpers/dynalite';

const SOURCE_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:source-AbCdEf';
const TARGET_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:target-AbCdEf';

function endpoint(url: string, secretArn: string) {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port), database: decodeURIComponent(u.pathname.slice(1)), secretArn, sslMode: 'require' as const };
}

function credentials(url: string) {
  const u = new URL(url);
  return { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
}

export interface MigrateHarness {
  readonly migrationId: string;
  readonly runtime: LocalRuntime;
  run(input?: Record<string, unknown>, options?: Partial<RunWorkflowOptions>): ReturnType<typeof runWorkflow>;
  start(input?: Record<string, unknown>, options?: Partial<RunWorkflowOptions>): ReturnType<typeof startWorkflow>;
  /** Removes the replication the workflow created (subscription, slot, publication). */
  cleanUp(): Promise<void>;
}

/** A migration over the pair, with the local runtime and the real migrate.asl.json. */
export async function migrateHarness(pair: DatabasePair, dynamo: DynaliteFixture, migrationId: string): Promise<MigrateHarness> {
  const replicationName = `ferry_${migrationId.replace(/-/g, '_')}`;
  const migration: MigrationConfigInput = {
    id: migrationId,
    source: endpoint(pair.sourceUrl, SOURCE_SECRET),
    target: endpoint(pair.targetUrl, TARGET_SECRET),
    replication: { engine: 'native', replicationName },
    switch: { strategy: 'ssm-parameter', parameterName: '/app/db' },
  };
  const runtime = localRuntime({
    store: await dynamo.newStore(),
    migrations: [migration],
    secrets: { [SOURCE_SECRET]: credentials(pair.sourceUrl), [TARGET_SECRET]: credentials(pair.targetUrl) },
  });
  const options = (extra: Partial<RunWorkflowOptions> = {}): RunWorkflowOptions => ({ runtime, steps: LOCAL_STEPS, waitMs: 50, ...extra });
  return {
    migrationId,
    runtime,
    run: (input = {}, extra = {}) => runWorkflow('migrate', { migrationId, ...input }, options(extra)),
    start: (input = {}, extra = {}) => startWorkflow('migrate', { migrationId, ...input }, options(extra)),
    async cleanUp() {
      const m = runtime.migration(migrationId);
      const databases = await runtime.openDatabases(m);
      try {
        const engine = (await runtime.engine(m, databases)) as NativeEngine;
        await engine.stop();
      } finally {
        await databases.close();
      }
    },
  };
}
