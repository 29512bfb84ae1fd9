/**
 * Pieces shared by the catalog queries. They are fixed SQL text: no name is ever put into SQL
 * here; objects are filtered in code after reading (read-snapshot.ts).
 *
 * Everything is read from pg_catalog, not information_schema: that is slower, shows only objects
 * the user owns or has privileges on, and hides identity options, index definitions and more.
 * Supported servers: PostgreSQL 13 and newer (pg_trigger.tgparentid, pg_attribute.attgenerated).
 */

/** Runs one catalog query on the snapshot's connection. */
export type CatalogQuery = <R>(text: string) => Promise<R[]>;

/** User schemas: not pg_catalog, information_schema, pg_toast, pg_temp_N, pg_toast_temp_N (no user schema may start with pg_). */
export function userSchema(namespace: string): string {
  return `(${namespace}.nspname <> 'information_schema' AND ${namespace}.nspname !~ '^pg_')`;
}

/** Not created by an extension (its members are recorded in pg_depend with deptype 'e'). */
export function notExtensionMember(catalog: 'pg_class' | 'pg_type', oid: string): string {
  return `NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend ext WHERE ext.classid = 'pg_catalog.${catalog}'::pg_catalog.regclass AND ext.objid = ${oid} AND ext.deptype = 'e')`;
}

/** Key of a relation in maps: schema and name joined by NUL, which no identifier contains. */
export function relationKey(schema: string, name: string): string {
  return `${schema}\u0000${name}`;
}

/** Items grouped by a key, each group in the items' order. */
export function groupBy<T, V = T>(items: readonly T[], key: (item: T) => string, value: (item: T) => V = (item) => item as unknown as V): Map<string, V[]> {
  const groups = new Map<string, V[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(value(item));
    else groups.set(key(item), [value(item)]);
  }
  return groups;
}
