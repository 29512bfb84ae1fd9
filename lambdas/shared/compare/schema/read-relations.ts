import { notExtensionMember, userSchema, type CatalogQuery } from './catalog';
import { normalizeIndexDefinition, normalizeTriggerDefinition, normalizeViewDefinition } from './normalize';
import { sortByKeys, type IndexSnapshot, type TriggerSnapshot, type ViewSnapshot } from './snapshot';

/** Indexes that implement a primary key, unique or exclusion constraint are that constraint's. */
const INDEXES_SQL = `
SELECT n.nspname AS schema, ic.relname AS name, c.relname AS table,
  pg_catalog.pg_get_indexdef(i.indexrelid) AS definition, pg_catalog.quote_ident(ic.relname) AS quoted_name,
  i.indisunique AS unique, i.indisvalid AS valid
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm') AND ${userSchema('n')} AND ${notExtensionMember('pg_class', 'c.oid')}
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k
                  WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))`;

/**
 * Internal triggers (those behind foreign keys) are left out, and so are the copies of a
 * partitioned table's trigger on its partitions (tgparentid): older versions marked those
 * internal, newer ones do not, and the parent's trigger already says it all.
 */
const TRIGGERS_SQL = `
SELECT n.nspname AS schema, c.relname AS table, t.tgname AS name,
  pg_catalog.pg_get_triggerdef(t.oid) AS definition, pg_catalog.quote_ident(t.tgname) AS quoted_name, t.tgenabled AS enabled
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND t.tgparentid = 0
  AND ${userSchema('n')} AND ${notExtensionMember('pg_class', 'c.oid')}`;

/** Not pretty-printed: the fully parenthesised form has changed less between versions. */
const VIEWS_SQL = `
SELECT n.nspname AS schema, c.relname AS name, c.relkind = 'm' AS materialized,
  pg_catalog.pg_get_viewdef(c.oid) AS definition
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm') AND ${userSchema('n')} AND ${notExtensionMember('pg_class', 'c.oid')}`;

interface IndexRow {
  schema: string;
  name: string;
  table: string;
  definition: string;
  quoted_name: string;
  unique: boolean;
  valid: boolean;
}

interface TriggerRow {
  schema: string;
  table: string;
  name: string;
  definition: string;
  quoted_name: string;
  enabled: 'O' | 'D' | 'R' | 'A';
}

const ENABLED: Record<TriggerRow['enabled'], TriggerSnapshot['enabled']> = { O: 'origin', D: 'disabled', R: 'replica', A: 'always' };

export async function readIndexes(query: CatalogQuery): Promise<IndexSnapshot[]> {
  const rows = await query<IndexRow>(INDEXES_SQL);
  return sortByKeys(rows, (r) => r.schema, (r) => r.name).map((r) => ({
    schema: r.schema,
    name: r.name,
    table: r.table,
    definition: normalizeIndexDefinition(r.definition, r.quoted_name),
    unique: r.unique,
    valid: r.valid,
  }));
}

export async function readTriggers(query: CatalogQuery): Promise<TriggerSnapshot[]> {
  const rows = await query<TriggerRow>(TRIGGERS_SQL);
  return sortByKeys(rows, (r) => r.schema, (r) => r.table, (r) => r.name).map((r) => ({
    schema: r.schema,
    table: r.table,
    name: r.name,
    definition: normalizeTriggerDefinition(r.definition, r.quoted_name),
    enabled: ENABLED[r.enabled],
  }));
}

export async function readViews(query: CatalogQuery): Promise<ViewSnapshot[]> {
  const rows = await query<ViewSnapshot>(VIEWS_SQL);
  return sortByKeys(rows, (r) => r.schema, (r) => r.name).map((r) => ({
    schema: r.schema,
    name: r.name,
    materialized: r.materialized,
    definition: normalizeViewDefinition(r.definition),
  }));
}
