import { relationKey } from '../shared/compare/schema/catalog';
import { readSchemaSnapshot } from '../shared/compare/schema/read-snapshot';
import type { IndexSnapshot } from '../shared/compare/schema/snapshot';
import { withoutDmsObjects } from '../shared/drift/dms';
import type { MigrationConfig } from '../shared/migration-config';
import type { Database } from '../shared/pg/connection';

export interface IndexesReady {
  readonly passed: boolean;
  readonly message: string;
}

/** At most this many indexes are named in the message; the count says how many more. */
const NAMED = 5;

/**
 * Every index of the selected tables on the source exists on the target, by table and definition
 * (the name may differ), and is valid: a missing or invalid index (a failed CREATE INDEX
 * CONCURRENTLY leaves one) is an outage waiting for the switch, since the application's queries
 * then read whole tables. Indexes behind primary key, unique and exclusion constraints belong to
 * those constraints, which preflight's schema check compares. AWS DMS's own tables are left out.
 * Reads the catalogs only: its cost follows the number of indexes, not the data.
 */
export async function indexesReady(migration: MigrationConfig, dbs: { readonly source: Database; readonly target: Database }): Promise<IndexesReady> {
  const options = { selection: migration.tables };
  // AWS DMS's own tables (awsdms_*) exist on one side only and are never the application's.
  const read = async (db: Database) => withoutDmsObjects(await readSchemaSnapshot(db, options));
  const [source, target] = await Promise.all([read(dbs.source), read(dbs.target)]);
  const identity = (i: IndexSnapshot) => `${relationKey(i.schema, i.table)}\u0000${i.definition}`;
  const onSource = new Set(source.indexes.map(identity));
  const onTarget = new Set(target.indexes.map(identity));
  const missing = source.indexes.filter((i) => !onTarget.has(identity(i)));
  const invalid = target.indexes.filter((i) => !i.valid && onSource.has(identity(i)));
  const named = (list: readonly IndexSnapshot[], what: (i: IndexSnapshot) => string) =>
    list.slice(0, NAMED).map(what).join('; ') + (list.length > NAMED ? `; and ${list.length - NAMED} more` : '');
  const problems = [
    ...(missing.length > 0 ? [`${missing.length} index(es) of the source are missing on the target: ${named(missing, (i) => `${i.schema}.${i.name} on ${i.table} (${i.definition})`)}`] : []),
    ...(invalid.length > 0
      ? [`${invalid.length} index(es) on the target are invalid (a failed CREATE INDEX CONCURRENTLY leaves one; REINDEX it): ${named(invalid, (i) => `${i.schema}.${i.name} on ${i.table}`)}`]
      : []),
  ];
  if (problems.length === 0) return { passed: true, message: `all ${source.indexes.length} index(es) of the selected tables on the source exist on the target and are valid` };
  return { passed: false, message: `${problems.join('. ')}. Create them on the target before the cutover: after the switch the application's queries would read whole tables.` };
}
