import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { FerryError } from './errors';
import { MigrationSchema, type MigrationConfig } from './migration-config';
import { DMS_RESOURCES_ENV, DmsResourcesSchema, type DmsResource } from './replication/dms/resources';

/**
 * The functions' view of the environment's configuration: the CDK stack puts the validated
 * migrations in FERRY_MIGRATIONS (JSON) and the checkpoint table's name in FERRY_TABLE_NAME.
 * Secret ARNs are there, never secret values.
 */
export class MigrationNotConfiguredError extends FerryError {
  override readonly name = 'MigrationNotConfiguredError';

  constructor(
    readonly migrationId: string,
    known: readonly string[],
  ) {
    super(
      `No migration "${migrationId}" is configured in this environment (configured: ${known.join(', ') || 'none'}). ` +
        'Check the migrationId in the input, or add the migration to cdk.json and deploy.',
    );
  }
}

export class MissingEnvironmentError extends FerryError {
  override readonly name = 'MissingEnvironmentError';

  constructor(variable: string) {
    super(`The function's environment lacks ${variable}; redeploy the stack (it sets it).`);
  }
}

const MigrationsSchema = z.array(MigrationSchema);

/**
 * The ARN of the environment's rollback state machine, set by the stack only on the functions
 * whose step may start a rollback (registry need `start-rollback`).
 */
export const ROLLBACK_STATE_MACHINE_ARN_ENV = 'FERRY_ROLLBACK_STATE_MACHINE_ARN';

/**
 * Lambda allows 4 KB of environment variables per function, and validated migrations are verbose
 * JSON (every default spelled out): the stack stores them gzip-compressed and base64-encoded
 * behind this prefix, about a fifth of the size. Plain JSON is read too (tests, hand-set values).
 */
const GZIP_PREFIX = 'gz:';

export function encodeMigrations(migrations: readonly unknown[]): string {
  return GZIP_PREFIX + gzipSync(JSON.stringify(migrations), { level: 9 }).toString('base64');
}

export function decodeMigrations(value: string): unknown {
  const json = value.startsWith(GZIP_PREFIX) ? gunzipSync(Buffer.from(value.slice(GZIP_PREFIX.length), 'base64')).toString('utf8') : value;
  return JSON.parse(json);
}

export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') throw new MissingEnvironmentError(name);
  return value;
}

/**
 * The environment's migrations, decoded and validated once per value of FERRY_MIGRATIONS (a
 * Lambda execution environment keeps one value; every step asks for its migration many times).
 */
let parsed: { readonly value: string; readonly migrations: readonly MigrationConfig[] } | undefined;

function migrationsOf(value: string): readonly MigrationConfig[] {
  if (parsed?.value !== value) parsed = { value, migrations: MigrationsSchema.parse(decodeMigrations(value)) };
  return parsed.migrations;
}

export function loadMigration(migrationId: string, env: NodeJS.ProcessEnv = process.env): MigrationConfig {
  const migrations = migrationsOf(requiredEnv('FERRY_MIGRATIONS', env));
  const found = migrations.find((m) => m.id === migrationId);
  if (!found) throw new MigrationNotConfiguredError(migrationId, migrations.map((m) => m.id));
  return found;
}

/** The DMS resources the stack deployed for a DMS migration (FERRY_DMS, set by the stack). */
export function loadDmsResource(migrationId: string, env: NodeJS.ProcessEnv = process.env): DmsResource {
  const resources = DmsResourcesSchema.parse(JSON.parse(requiredEnv(DMS_RESOURCES_ENV, env)));
  const found = resources[migrationId];
  if (!found) throw new MigrationNotConfiguredError(migrationId, Object.keys(resources));
  return found;
}
