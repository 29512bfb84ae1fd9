import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DatabaseMigrationServiceClient } from '@aws-sdk/client-database-migration-service';
import { CONFIG_DEFAULTS, nativeReplicationName, type DatabaseEndpoint, type MigrationConfig } from '../migration-config';
import type { Database } from '../pg/connection';
import type { Secrets } from '../secrets';
import { DmsEngine } from './dms/engine';
import { dmsReverseSlotName, type DmsResource } from './dms/resources';
import type { ReplicationEngine } from './engine';
import type { CopyRunner } from './native/copy-runner';
import { NativeEngine, type ConnectionInfo } from './native/engine';

export interface EngineDependencies {
  readonly source: Database;
  readonly target: Database;
  readonly secrets: Secrets;
  /** DMS migrations: the clients and the deployed resource record. */
  readonly dms?: {
    readonly dms: DatabaseMigrationServiceClient;
    readonly cloudwatch: CloudWatchClient;
    readonly resource: DmsResource;
  };
  /** The local stack: its servers listen on 127.0.0.1 without TLS. */
  readonly insecureNoTls?: boolean;
  /**
   * Native migrations: where a parallel copy runs (an ECS task in AWS, the process locally).
   * @default - none: PostgreSQL's table sync copies every table, whatever its size
   */
  readonly copyRunner?: CopyRunner;
}

/** The configured engine for a migration (forward direction). */
export async function createEngine(migration: MigrationConfig, deps: EngineDependencies): Promise<ReplicationEngine> {
  if (migration.replication.engine === 'native') {
    const [sourceConnection, targetConnection] = await Promise.all([
      connectionInfo(migration.source, deps),
      connectionInfo(migration.target, deps),
    ]);
    const fullLoad = migration.fullLoad ?? CONFIG_DEFAULTS.fullLoad;
    return new NativeEngine({
      source: deps.source,
      target: deps.target,
      sourceConnection,
      targetConnection,
      name: nativeReplicationName(migration),
      selection: migration.tables,
      ...(deps.copyRunner
        ? {
            parallelCopy: {
              migrationId: migration.id,
              runner: deps.copyRunner,
              parallelTableBytes: fullLoad.parallelTableMb * 1024 * 1024,
              rangesPerTable: fullLoad.rangesPerTable,
              workers: fullLoad.copyWorkers,
            },
          }
        : {}),
    });
  }
  if (!deps.dms) throw new Error(`migration '${migration.id}' uses ${migration.replication.engine}: DMS clients and resources are required`);
  // A configuration built in code, not parsed, may lack the section; the schema's defaults apply.
  const fullLoad = migration.fullLoad ?? CONFIG_DEFAULTS.fullLoad;
  return new DmsEngine({
    dms: deps.dms.dms,
    cloudwatch: deps.dms.cloudwatch,
    resource: deps.dms.resource,
    currentTargetPosition: () => ensureReverseSlot(deps.target, dmsReverseSlotName(migration.id)),
    parallelLoad: {
      source: deps.source,
      tables: migration.tables,
      parallelTableMb: fullLoad.parallelTableMb,
      rangesPerTable: fullLoad.rangesPerTable,
    },
  });
}

/** How one database server reaches the other (native subscriptions connect server to server). */
async function connectionInfo(endpoint: DatabaseEndpoint, deps: EngineDependencies): Promise<ConnectionInfo> {
  const { username, password } = await deps.secrets.databaseSecret(endpoint.secretArn);
  return {
    host: endpoint.host,
    port: endpoint.port,
    database: endpoint.database,
    user: username,
    password,
    sslmode: deps.insecureNoTls ? 'disable' : endpoint.sslMode,
  };
}

/**
 * Creates (once) the slot the reverse DMS replication reads on the target, and returns where it
 * starts. Called at cutover while writes are frozen, so every later write on the target is in it.
 * The plugin is the one the DMS endpoints use (test_decoding).
 */
export async function ensureReverseSlot(target: Database, slotName: string): Promise<string> {
  await target.query(
    `select pg_create_logical_replication_slot($1, 'test_decoding')
      where not exists (select 1 from pg_replication_slots where slot_name = $1)`,
    [slotName],
  );
  const [row] = await target.query<{ lsn: string }>(`select confirmed_flush_lsn::text as lsn from pg_replication_slots where slot_name = $1`, [slotName]);
  return row!.lsn;
}
