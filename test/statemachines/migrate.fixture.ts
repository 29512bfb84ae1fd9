import { captureSlotName } from '../../lambdas/shared/capture/names';
import { dropSlot } from '../../lambdas/shared/capture/slot';
import { NativeEngine } from '../../lambdas/shared/replication/native/engine';
import type { MigrationConfigInput } from '../../lambdas/shared/migration-config';
import type { Switch } from '../../lambdas/shared/switch/switch';
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
  /** Runs another workflow (cutover, rollback) of the same migration; `input` adds to `{migrationId}`. */
  runOther(workflow: string, input?: Record<string, unknown>, options?: Partial<RunWorkflowOptions>): ReturnType<typeof runWorkflow>;
  startOther(workflow: string, input?: Record<string, unknown>, options?: Partial<RunWorkflowOptions>): ReturnType<typeof startWorkflow>;
  start(input?: Record<string, unknown>, options?: Partial<RunWorkflowOptions>): ReturnType<typeof startWorkflow>;
  /** Removes the replication the workflow created (subscription, slot, publication) and the capture slots. */
  cleanUp(): Promise<void>;
}

/** A migration over the pair, with the local runtime and the real migrate.asl.json. */
export async function migrateHarness(
  pair: DatabasePair,
  dynamo: DynaliteFixture,
  migrationId: string,
  extra: { readonly config?: Partial<MigrationConfigInput>; readonly switches?: Readonly<Record<string, Switch>> } = {},
): Promise<MigrateHarness> {
  const replicationName = `ferry_${migrationId.replace(/-/g, '_')}`;
  const migration: MigrationConfigInput = {
    id: migrationId,
    source: endpoint(pair.sourceUrl, SOURCE_SECRET),
    target: endpoint(pair.targetUrl, TARGET_SECRET),
    replication: { engine: 'native', replicationName },
    switch: { strategy: 'ssm-parameter', parameterName: '/app/db' },
    ...extra.config,
  };
  const runtime = localRuntime({
    store: await dynamo.newStore(),
    migrations: [migration],
    secrets: { [SOURCE_SECRET]: credentials(pair.sourceUrl), [TARGET_SECRET]: credentials(pair.targetUrl) },
    ...(extra.switches ? { switches: extra.switches } : {}),
  });
  const options = (more: Partial<RunWorkflowOptions> = {}): RunWorkflowOptions => ({ runtime, steps: LOCAL_STEPS, waitMs: 50, ...more });
  return {
    migrationId,
    runtime,
    run: (input = {}, more = {}) => runWorkflow('migrate', { migrationId, ...input }, options(more)),
    start: (input = {}, more = {}) => startWorkflow('migrate', { migrationId, ...input }, options(more)),
    runOther: (workflow, input = {}, more = {}) => runWorkflow(workflow, { migrationId, ...input }, options(more)),
    startOther: (workflow, input = {}, more = {}) => startWorkflow(workflow, { migrationId, ...input }, options(more)),
    async cleanUp() {
      const m = runtime.migration(migrationId);
      const databases = await runtime.openDatabases(m);
      try {
        const engine = (await runtime.engine(m, databases)) as NativeEngine;
        await (await engine.reverse())?.stop();
        await engine.stop();
        await dropSlot(databases.source, captureSlotName(migrationId, 'source'));
        await dropSlot(databases.target, captureSlotName(migrationId, 'target'));
      } finally {
        await databases.close();
      }
    },
  };
}
