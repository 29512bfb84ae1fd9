import type { Database } from '../pg/connection';
import { selectTables, type TableSelection } from '../compare/table-patterns';
import type { TableName } from '../pg/identifiers';

/** A selected table as the checks see it. */
export interface SelectedTable extends TableName {
  /** pg_class oid as text (oids exceed int4); pass a list back as `$1::oid[]`. */
  readonly oid: string;
  /** A partitioned table (its rows live in its partitions). */
  readonly partitioned: boolean;
  readonly owner: string;
}

/**
 * Ordinary and partitioned tables outside the system schemas and not created by an extension, the
 * same tables the compare engine sees (a partition is reached through its parent).
 */
const TABLES_SQL = `
select c.oid::text as oid, n.nspname as schema, c.relname as name, c.relkind = 'p' as partitioned,
       pg_catalog.pg_get_userbyid(c.relowner) as owner
  from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
 where c.relkind in ('r', 'p') and not c.relispartition
   and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%'
   and n.nspname not like 'pg\\_temp\\_%'
   and not exists (select 1 from pg_catalog.pg_depend d
                    where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.objid = c.oid and d.deptype = 'e')`;

/** The tables of a database that the migration's selection matches, sorted by name. */
export async function readSelectedTables(db: Database, selection: TableSelection): Promise<SelectedTable[]> {
  return selectTables(await db.query<SelectedTable>(TABLES_SQL), selection);
}

/** Current values of server settings by name (`pg_settings.setting`, in the setting's base unit). Absent settings are absent. */
export async function readSettings(db: Database, names: readonly string[]): Promise<Map<string, string>> {
  const rows = await db.query<{ name: string; setting: string }>(
    'select name, setting from pg_catalog.pg_settings where name = any($1::text[])',
    [names],
  );
  return new Map(rows.map((r) => [r.name, r.setting]));
}

export interface ServerVersion {
  /** `server_version`, e.g. "17.2". */
  readonly version: string;
  /** `server_version_num`, e.g. 170002. */
  readonly num: number;
}

export async function readServerVersion(db: Database): Promise<ServerVersion> {
  const [row] = await db.query<{ version: string; num: number }>(
    "select pg_catalog.current_setting('server_version') as version, pg_catalog.current_setting('server_version_num')::int as num",
  );
  if (row === undefined) throw new Error(`the ${db.label} returned no server version`);
  return row;
}

/** The major version of a `server_version_num`: 170002 -> 17, 90624 -> 9.6. */
export function majorVersion(num: number): string {
  return num >= 100000 ? String(Math.floor(num / 10000)) : `${Math.floor(num / 10000)}.${Math.floor(num / 100) % 100}`;
}
