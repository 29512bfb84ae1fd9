import { startCaptureStep } from '../../lambdas/start-capture/step';
import { captureSlotName } from '../../lambdas/shared/capture/names';
import { dropSlot } from '../../lambdas/shared/capture/slot';
import { startReplicationStep } from '../../lambdas/start-replication/step';
import type { MigrationConfigInput } from '../../lambdas/shared/migration-config';
import type { NativeEngine } from '../../lambdas/shared/replication/native/engine';
import { localRuntime, type LocalRuntime } from '../../local/runtime';
import type { DatabasePair } from './database-pair';
import type { DynaliteFixture } from './dynalite';
import { credentialsOf, endpointOf, SOURCE_SECRET, TARGET_SECRET } from './migrations';

/**
 * A migration over a fresh database pair with native replication streaming (full load done) and
 * change capture started, as the migrate workflow leaves it just before its full comparison.
 */
export interface CaptureScene {
  readonly pair: DatabasePair;
  readonly runtime: LocalRuntime;
  readonly migrationId: string;
  /** Until replication has brought the source's rows of `table` to the target. */
  caughtUp(table: string): Promise<void>;
  cleanUp(): Promise<void>;
}

export const OWNER = 'arn:aws:states:eu-west-1:123456789012:execution:Ferry-test-migrate:capture';

export async function captureScene(
  pair: DatabasePair,
  dynamo: DynaliteFixture,
  migrationId: string,
  config: Partial<MigrationConfigInput> = {},
): Promise<CaptureScene> {
  const migration: MigrationConfigInput = {
    id: migrationId,
    source: { ...endpointOf(pair.sourceUrl, SOURCE_SECRET), sslMode: 'require' },
    target: { ...endpointOf(pair.targetUrl, TARGET_SECRET), sslMode: 'require' },
    replication: { engine: 'native', replicationName: `ferry_${migrationId.replace(/-/g, '_')}` },
    switch: { strategy: 'ssm-parameter', parameterName: '/app/db' },
    ...config,
    verification: { settleMs: 200, ...config.verification },
  };
  const runtime = localRuntime({
    store: await dynamo.newStore(),
    migrations: [migration],
    secrets: { [SOURCE_SECRET]: credentialsOf(pair.sourceUrl), [TARGET_SECRET]: credentialsOf(pair.targetUrl) },
  });
  await startReplicationStep({ migrationId }, runtime);
  const caughtUp = async (table: string) => {
    const count = `select count(*)::int as n, coalesce(sum(hashtext(t::text)), 0)::text as h from ${table} t`;
    for (const until = Date.now() + 20_000; ; ) {
      const [s, t] = await Promise.all([pair.sourceSql(count), pair.targetSql(count).catch(() => undefined)]);
      if (t && JSON.stringify(s.rows) === JSON.stringify(t.rows)) return;
      if (Date.now() > until) throw new Error(`${table} did not catch up`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await runtime.store.ensureState(migrationId);
  return {
    pair,
    runtime,
    migrationId,
    caughtUp,
    async cleanUp() {
      const m = runtime.migration(migrationId);
      const dbs = await runtime.openDatabases(m);
      try {
        const engine = (await runtime.engine(m, dbs)) as NativeEngine;
        await (await engine.reverse())?.stop();
        await engine.stop();
        await dropSlot(dbs.source, captureSlotName(migrationId, 'source'));
        await dropSlot(dbs.target, captureSlotName(migrationId, 'target'));
      } finally {
        await dbs.close();
      }
    },
  };
}

/** Starts change capture as the migrate workflow does, once the tables are copied. */
export async function startCapture(scene: CaptureScene, runId = 'run-1') {
  return startCaptureStep({ migrationId: scene.migrationId, runId, owner: OWNER }, scene.runtime);
}
