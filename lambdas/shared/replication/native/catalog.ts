import type { Database } from '../../pg/connection';
import { displayName, qualifiedName, type TableName } from '../../pg/identifiers';
import { selectTables, type TableSelection } from '../../compare/table-patterns';

/** A table put into a publication: an ordinary table, or a partitioned table published through its root. */
export interface PublishedTable extends TableName {
  readonly kind: 'table' | 'partitioned';
}

interface CatalogRow {
  schema: string;
  name: string;
  kind: 'r' | 'p';
  persistence: string;
  /** The table itself (or its partitions) when UPDATE and DELETE could not be published. */
  without_identity: TableName[];
}

/**
 * Ordinary and partitioned tables (partitions through their root), as the compare engine lists
 * them, with what decides whether they can be published: persistence (unlogged tables are not
 * written to WAL) and, for the table or each of its leaf partitions, a usable replica identity
 * (FULL; DEFAULT with a primary key; INDEX with its index still present).
 */
const TABLES_SQL = `
select n.nspname as schema, c.relname as name, c.relkind::text as kind, c.relpersistence::text as persistence,
  coalesce((select json_agg(json_build_object('schema', ln.nspname, 'name', lc.relname) order by ln.nspname, lc.relname)
              from (select c.oid as relid where c.relkind = 'r'
                    union all
                    select t.relid from pg_partition_tree(c.oid) t where c.relkind = 'p' and t.isleaf) leaf
              join pg_class lc on lc.oid = leaf.relid
              join pg_namespace ln on ln.oid = lc.relnamespace
             where not (lc.relreplident = 'f'
                 or (lc.relreplident = 'd' and exists (select 1 from pg_index i where i.indrelid = lc.oid and i.indisprimary))
                 or (lc.relreplident = 'i' and exists (select 1 from pg_index i where i.indrelid = lc.oid and i.indisreplident)))),
           '[]') as without_identity
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p') and not c.relispartition
  and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%'
  and n.nspname not like 'pg\\_temp\\_%'
  and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
`;

/** Why some selected tables cannot be published. Empty lists mean they all can. */
export interface PublishableTables {
  readonly tables: PublishedTable[];
  readonly unlogged: string[];
  /** Display names of tables (or partitions) that have no replica identity. */
  readonly withoutIdentity: string[];
}

/**
 * The selected tables of the publisher's database (only those named in `only`, when given),
 * sorted by display name, with the problems found.
 */
export async function readPublishableTables(db: Database, selection: TableSelection, only?: ReadonlySet<string>): Promise<PublishableTables> {
  const rows = selectTables(await db.query<CatalogRow>(TABLES_SQL), selection).filter((r) => only?.has(displayName(r)) ?? true);
  return {
    tables: rows.map((r) => ({ schema: r.schema, name: r.name, kind: r.kind === 'p' ? 'partitioned' : 'table' })),
    unlogged: rows.filter((r) => r.persistence !== 'p').map(displayName),
    withoutIdentity: rows.flatMap((r) => r.without_identity.map(displayName)),
  };
}

/** The subscriber's side of the same tables: which are missing, and which already hold rows. */
export interface SubscriberTables {
  readonly missing: string[];
  readonly nonEmpty: string[];
}

/** Tables checked for rows per statement: one `exists` subquery each. */
const EMPTINESS_BATCH = 200;

export async function readSubscriberTables(db: Database, tables: readonly TableName[]): Promise<SubscriberTables> {
  const found = await db.query<{ schema: string; name: string }>(
    `select t.schema, t.name
       from unnest($1::text[], $2::text[]) as t(schema, name)
       join pg_namespace n on n.nspname = t.schema
       join pg_class c on c.relnamespace = n.oid and c.relname = t.name and c.relkind in ('r', 'p')`,
    [tables.map((t) => t.schema), tables.map((t) => t.name)],
  );
  const present = new Set(found.map(displayName));
  const existing = tables.filter((t) => present.has(displayName(t)));
  const nonEmpty: string[] = [];
  for (let i = 0; i < existing.length; i += EMPTINESS_BATCH) {
    const batch = existing.slice(i, i + EMPTINESS_BATCH);
    const columns = batch.map((t, j) => `exists (select 1 from ${qualifiedName(t)}) as t${j}`).join(', ');
    const [row] = await db.query<Record<string, boolean>>(`select ${columns}`);
    batch.forEach((t, j) => {
      if (row![`t${j}`]) nonEmpty.push(displayName(t));
    });
  }
  return { missing: tables.filter((t) => !present.has(displayName(t))).map(displayName), nonEmpty };
}
