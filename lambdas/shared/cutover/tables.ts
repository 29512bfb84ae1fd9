import { readTables } from '../compare/data/catalog';
import type { MigrationConfig } from '../migration-config';
import type { Database } from '../pg/connection';
import type { TableName } from '../pg/identifiers';

/** The migration's tables as they exist on `db` (what a freeze revokes on). */
export async function selectedTables(db: Database, migration: MigrationConfig): Promise<TableName[]> {
  return (await readTables(db, migration.tables)).map((t) => ({ schema: t.schema, name: t.name }));
}
