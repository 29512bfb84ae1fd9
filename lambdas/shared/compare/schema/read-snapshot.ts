import type { Database } from '../../pg/connection';
import { compileSelection, type TableSelection } from '../table-patterns';
import { relationKey, type CatalogQuery } from './catalog';
import { readIndexes, readTriggers, readViews } from './read-relations';
import { readTables } from './read-tables';
import { readEnums, readExtensions, readSequences, readTableUses, type TableUse } from './read-types';
import type { SchemaSnapshot } from './snapshot';

export interface ReadSchemaOptions {
  /**
   * Limit tables (and their columns, constraints, indexes and triggers) to these. Kept besides:
   * sequences, enums and views of every schema that has a selected table; enums a selected column
   * uses and sequences a selected column's default calls or that a selected column owns, wherever
   * they live; and every extension (extensions are database-wide). @default every user table
   */
  readonly selection?: TableSelection;
}

/**
 * Reads the schema of one database from pg_catalog: user schemas only (not pg_catalog,
 * information_schema, pg_toast, temporary schemas) and nothing an extension created.
 *
 * All queries run in one read-only transaction on one connection, with `search_path` set to empty
 * for the transaction only, so every name in a definition is schema-qualified the same way on
 * every server, whatever its configuration.
 */
export async function readSchemaSnapshot(
  db: Pick<Database, 'withClient'>,
  options: ReadSchemaOptions = {},
): Promise<SchemaSnapshot> {
  return db.withClient(async (client) => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      await client.query("SELECT pg_catalog.set_config('search_path', '', true)");
      const query: CatalogQuery = async <R>(text: string) => (await client.query(text)).rows as R[];
      const [version] = await query<{ version: string; version_num: number }>(
        "SELECT pg_catalog.current_setting('server_version') AS version, pg_catalog.current_setting('server_version_num')::int AS version_num",
      );
      const snapshot: SchemaSnapshot = {
        formatVersion: 1,
        serverVersion: version?.version ?? '',
        serverVersionNum: version?.version_num ?? 0,
        selection: options.selection === undefined ? null : copySelection(options.selection),
        tables: await readTables(query),
        indexes: await readIndexes(query),
        triggers: await readTriggers(query),
        sequences: await readSequences(query),
        enums: await readEnums(query),
        extensions: await readExtensions(query),
        views: await readViews(query),
      };
      if (options.selection === undefined) return snapshot;
      return limitToSelection(snapshot, options.selection, await readTableUses(query));
    } finally {
      // Read-only: ending it either way is the same; a broken connection is dropped by the pool.
      await client.query('ROLLBACK').catch(() => undefined);
    }
  });
}

function copySelection(selection: TableSelection): TableSelection {
  return selection.exclude === undefined
    ? { include: [...selection.include] }
    : { include: [...selection.include], exclude: [...selection.exclude] };
}

function limitToSelection(snapshot: SchemaSnapshot, selection: TableSelection, uses: readonly TableUse[]): SchemaSnapshot {
  const matches = compileSelection(selection);
  const tables = snapshot.tables.filter((t) => matches({ schema: t.schema, name: t.name }));
  const selected = new Set(tables.map((t) => relationKey(t.schema, t.name)));
  const schemas = new Set(tables.map((t) => t.schema));
  const used = new Set(
    uses.filter((u) => selected.has(relationKey(u.schema, u.table))).map((u) => `${u.kind}\u0000${relationKey(u.used_schema, u.used_name)}`),
  );
  const views = snapshot.views.filter((v) => schemas.has(v.schema));
  const viewKeys = new Set(views.map((v) => relationKey(v.schema, v.name)));
  const keptRelation = (schema: string, name: string) => selected.has(relationKey(schema, name)) || viewKeys.has(relationKey(schema, name));
  return {
    ...snapshot,
    tables,
    indexes: snapshot.indexes.filter((i) => keptRelation(i.schema, i.table)),
    triggers: snapshot.triggers.filter((t) => keptRelation(t.schema, t.table)),
    sequences: snapshot.sequences.filter(
      (s) =>
        schemas.has(s.schema) ||
        used.has(`sequence\u0000${relationKey(s.schema, s.name)}`) ||
        (s.ownedBy !== null && selected.has(relationKey(s.ownedBy.schema, s.ownedBy.table))),
    ),
    enums: snapshot.enums.filter((e) => schemas.has(e.schema) || used.has(`enum\u0000${relationKey(e.schema, e.name)}`)),
    views,
  };
}
