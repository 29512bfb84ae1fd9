import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DatabaseMigrationServiceClient } from '@aws-sdk/client-database-migration-service';
import { openEndpoint } from '../endpoints';
import type { MigrationConfig } from '../migration-config';
import { loadDmsResource, loadMigration } from '../runtime-config';
import { secretsManager } from '../secrets';
import type { ReplicationEngine } from './engine';
import { createEngine } from './open-engine';

// SDK clients are created once per execution environment, and only by functions that use DMS.
let clients: { dms: DatabaseMigrationServiceClient; cloudwatch: CloudWatchClient } | undefined;
function dmsClients() {
  clients ??= { dms: new DatabaseMigrationServiceClient({}), cloudwatch: new CloudWatchClient({}) };
  return clients;
}

/**
 * Runs `fn` with the migration's engine in Lambda: configuration from the environment,
 * credentials from Secrets Manager, both database pools closed afterwards.
 */
export async function withLambdaEngine<T>(migrationId: string, fn: (engine: ReplicationEngine, migration: MigrationConfig) => Promise<T>): Promise<T> {
  const migration = loadMigration(migrationId);
  const dms = migration.replication.engine === 'native' ? undefined : { ...dmsClients(), resource: loadDmsResource(migrationId) };
  const [source, target] = await Promise.all([
    openEndpoint('source', migration.source, secretsManager, { max: 2 }),
    openEndpoint('target', migration.target, secretsManager, { max: 2 }),
  ]);
  try {
    const engine = await createEngine(migration, { source, target, secrets: secretsManager, ...(dms ? { dms } : {}) });
    return await fn(engine, migration);
  } finally {
    await Promise.all([source.close(), target.close()]);
  }
}
