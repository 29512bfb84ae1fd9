import type { Database } from '../../pg/connection';
import { selectTables, type TableSelection } from '../table-patterns';
import type { ColumnInfo, TableInfo, ValueClass } from './types';

interface TableRow {
  schema: string;
  name: string;
  reltuples: string;
  relpages: number;
  columns: Array<{ name: string; type: string; base: string; collation: string | null; deterministic: boolean }>;
  keys: Array<{ name: string; primary: boolean; columns: string[] }> | null;
}

/**
 * Ordinary and partitioned tables (a partition is compared through its parent, not twice), with
 * their columns and the best usable key: the primary key, else the unique index over the fewest
 * NOT NULL plain columns without a predicate. A domain's base type decides how values normalize.
 */
const TABLES_SQL = `
with recursive base(oid, base) as (
  select t.oid, t.oid from pg_type t where t.typtype <> 'd'
  union all
  select d.oid, b.base from pg_type d join base b on d.typbasetype = b.oid where d.typtype = 'd'
)
select n.nspname as schema, c.relname as name,
  -- A partitioned table has no rows or pages of its own: add up its partitions (one level).
  (case when c.relkind = 'p' then (select coalesce(sum(greatest(p.reltuples, 0)), -1) from pg_inherits i join pg_class p on p.oid = i.inhrelid where i.inhparent = c.oid)
        else c.reltuples end)::text as reltuples,
  (case when c.relkind = 'p' then (select coalesce(sum(p.relpages), 0) from pg_inherits i join pg_class p on p.oid = i.inhrelid where i.inhparent = c.oid)
        else c.relpages end)::int as relpages,
  (select json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
            'base', (select bt.typname from base b join pg_type bt on bt.oid = b.base where b.oid = a.atttypid),
            'deterministic', coalesce((select co.collisdeterministic from pg_collation co where co.oid = a.attcollation), true),
            'collation', (select case when co.collname = 'default'
                                 then (select datcollate from pg_database where datname = current_database())
                                 else co.collname end
                            from pg_collation co where co.oid = a.attcollation))
          order by a.attnum)
     from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as columns,
  (select json_agg(json_build_object('name', ic.relname, 'primary', i.indisprimary,
            'columns', (select json_agg(a.attname order by k.ord) from unnest(i.indkey) with ordinality k(attnum, ord)
                          join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum
                         where k.ord <= i.indnkeyatts))
          order by i.indisprimary desc, i.indnkeyatts, ic.relname)
     from pg_index i join pg_class ic on ic.oid = i.indexrelid
    where i.indrelid = c.oid and i.indisunique and i.indisvalid and i.indpred is null and i.indexprs is null
      and i.indnullsnotdistinct is not true
      and not exists (select 1 from unnest(i.indkey) with ordinality k(attnum, ord)
                       join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum
                      where k.ord <= i.indnkeyatts and not a.attnotnull)) as keys
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p') and not c.relispartition
  and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%'
  and n.nspname not like 'pg\\_temp\\_%'
  and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
`;

/** indnullsnotdistinct exists from PostgreSQL 15; older servers have no such unique indexes. */
function tablesSql(serverVersionNum: number): string {
  return serverVersionNum >= 150000 ? TABLES_SQL : TABLES_SQL.replace('and i.indnullsnotdistinct is not true', '');
}

function valueClass(base: string): ValueClass {
  if (base === 'numeric') return 'numeric';
  if (base === 'float4' || base === 'float8') return 'float';
  if (base === 'money') return 'money';
  return 'plain';
}

/**
 * Base types whose own extended hash function gives equal hashes for equal values on any two
 * databases: it depends only on the value (not on OIDs, locale or settings), and hash
 * partitioning keeps it stable across major versions. Enums (hashed by OID), json (no hash),
 * money, composite and array types, citext and other extension types are not listed: they are
 * hashed through their normalized text instead.
 */
const PORTABLE_HASH_TYPES = new Set([
  'int2', 'int4', 'int8', 'numeric', 'float4', 'float8', 'bool', 'text', 'varchar', 'bpchar', 'name', 'char',
  'bytea', 'date', 'time', 'timetz', 'timestamp', 'timestamptz', 'interval', 'uuid', 'jsonb', 'inet', 'cidr',
  'macaddr', 'macaddr8', 'oid',
]);

function toColumn(c: TableRow['columns'][number]): ColumnInfo {
  return {
    name: c.name,
    type: c.type,
    valueClass: valueClass(c.base),
    baseType: c.base,
    // A nondeterministic collation hashes case- or accent-insensitively, which would hide changes.
    portableHash: PORTABLE_HASH_TYPES.has(c.base) && c.deterministic,
    integer: c.base === 'int2' || c.base === 'int4' || c.base === 'int8',
    ...(c.collation ? { collation: c.collation } : {}),
  };
}

/** The selected user tables of a database, sorted by name. */
export async function readTables(db: Database, selection: TableSelection): Promise<TableInfo[]> {
  const [{ server_version_num }] = (await db.query<{ server_version_num: string }>('show server_version_num')) as [
    { server_version_num: string },
  ];
  const rows = await db.query<TableRow>(tablesSql(Number(server_version_num)));
  const tables = rows.map((r): TableInfo => {
    const best = r.keys?.[0];
    return {
      schema: r.schema,
      name: r.name,
      serverVersion: Number(server_version_num),
      columns: (r.columns ?? []).map(toColumn),
      estimatedRows: Number(r.reltuples),
      estimatedPages: r.relpages,
      ...(best ? { key: { columns: best.columns, kind: best.primary ? 'primary key' : 'unique index', name: best.name } } : {}),
    };
  });
  return selectTables(tables, selection);
}
