import { readTables } from '../compare/data/catalog';
import type { ColumnInfo, TableInfo } from '../compare/data/types';
import type { TableSelection } from '../compare/table-patterns';
import type { Database } from '../pg/connection';
import type { TableName } from '../pg/identifiers';

/**
 * What decoding needs to know about the relation a change line names: which compared table it
 * belongs to (a partition's changes are its partitioned table's: comparisons go through the
 * parent), that table's comparison key, and whether a change's key can always be told from the
 * line. test_decoding writes the old key only as the replica identity's columns, and only when
 * they changed; so an UPDATE or DELETE can be traced to the comparison key only when the replica
 * identity is FULL, or its columns include every key column (the usual case: both are the primary
 * key). A change that cannot be traced sends its whole table to a full comparison.
 */
export interface CapturedRelation {
  /** The compared table (the partitioned table for a partition). */
  readonly table: TableName;
  /** Comparison key columns; empty when the table has none (compared as a multiset). */
  readonly key: readonly ColumnInfo[];
  readonly traceable: boolean;
}

/** Relations by `relationKey`, the compared tables by display name. */
export interface CaptureCatalog {
  readonly relations: ReadonlyMap<string, CapturedRelation>;
  readonly tables: readonly TableInfo[];
}

/** Schema and name joined by NUL, which no identifier holds, so `a.b`+`c` never equals `a`+`b.c`. */
export const relationKey = (t: TableName): string => `${t.schema}\u0000${t.name}`;

interface IdentityRow {
  root_schema: string;
  root_name: string;
  schema: string;
  name: string;
  identity: string;
  columns: string[] | null;
}

/** Every leaf relation of the selected tables with its replica identity's columns (null for FULL). */
const IDENTITY_SQL = `
select t.schema as root_schema, t.name as root_name, ln.nspname as schema, l.relname as name, l.relreplident::text as identity,
       case l.relreplident
         when 'f' then null
         when 'n' then array[]::text[]
         else coalesce((select array_agg(a.attname::text order by a.attname)
                          from pg_index i join pg_attribute a on a.attrelid = l.oid and a.attnum = any(i.indkey)
                         where i.indrelid = l.oid and ((l.relreplident = 'd' and i.indisprimary) or (l.relreplident = 'i' and i.indisreplident))),
                       array[]::text[])
       end as columns
  from unnest($1::text[], $2::text[]) as t(schema, name)
  join pg_namespace n on n.nspname = t.schema
  join pg_class c on c.relnamespace = n.oid and c.relname = t.name
  cross join lateral (select c.oid as relid where c.relkind = 'r'
                      union all
                      select p.relid from pg_partition_tree(c.oid) p where c.relkind = 'p' and p.isleaf) leaf
  join pg_class l on l.oid = leaf.relid
  join pg_namespace ln on ln.oid = l.relnamespace`;

/** One database's catalog, its changes keyed by the comparison keys of `keysFrom` (default: its own). */
export async function readCaptureCatalog(db: Database, selection: TableSelection, keysFrom?: readonly TableInfo[]): Promise<CaptureCatalog> {
  return buildCatalog(db, await readTables(db, selection), keysFrom);
}

/**
 * Both databases' catalogs, read at once. The target's changes are keyed by the source's keys,
 * which the comparison uses, even where the target's own best key differs.
 */
export async function readCaptureCatalogs(source: Database, target: Database, selection: TableSelection): Promise<{ source: CaptureCatalog; target: CaptureCatalog }> {
  const [sourceTables, targetTables] = await Promise.all([readTables(source, selection), readTables(target, selection)]);
  const [s, t] = await Promise.all([buildCatalog(source, sourceTables), buildCatalog(target, targetTables, sourceTables)]);
  return { source: s, target: t };
}

async function buildCatalog(db: Database, tables: readonly TableInfo[], keysFrom: readonly TableInfo[] = tables): Promise<CaptureCatalog> {
  const keyOf = new Map(keysFrom.map((t) => [relationKey(t), t.key?.columns ?? []]));
  const rows = tables.length === 0
    ? []
    : await db.query<IdentityRow>(IDENTITY_SQL, [tables.map((t) => t.schema), tables.map((t) => t.name)]);
  const byRoot = new Map(tables.map((t) => [relationKey(t), t]));
  const relations = new Map<string, CapturedRelation>();
  for (const row of rows) {
    const root = byRoot.get(relationKey({ schema: row.root_schema, name: row.root_name }))!;
    const columns = (keyOf.get(relationKey(root)) ?? []).map((name) => root.columns.find((c) => c.name === name));
    // A key column this side lacks: no key to trace changes by here (the table is compared whole).
    const key = columns.every((c) => c !== undefined) ? (columns as ColumnInfo[]) : [];
    const identity = row.columns === null ? undefined : new Set(row.columns);
    relations.set(relationKey(row), {
      table: { schema: root.schema, name: root.name },
      key,
      traceable: key.length > 0 && (identity === undefined || key.every((k) => identity.has(k.name))),
    });
  }
  return { relations, tables };
}
