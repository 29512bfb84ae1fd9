import type { SchemaSnapshot } from '../compare/schema';

/**
 * AWS DMS keeps its own control and audit tables in the databases it reads and writes
 * (`awsdms_apply_exceptions`, `awsdms_status`, `awsdms_suspended_tables`, `awsdms_history`,
 * `awsdms_validation_failures_v1`, `awsdms_ddl_audit`, ...), in the control schema of its task
 * settings (`awsdms_control` for Ferry's tasks) or in the application's schema. They exist on one
 * side only, and their rows are DMS's bookkeeping, so they are never a difference or drift: every
 * relation and function whose name starts with `awsdms_` is left out, in any schema.
 */
const DMS_PREFIX = /^awsdms_/i;

/** A DMS control or audit table, sequence or function (`awsdms_intercept_ddl`), by name. */
export function isDmsObject(name: string): boolean {
  return DMS_PREFIX.test(name);
}

/**
 * The snapshot without DMS's tables and what hangs off them: their indexes and triggers, the
 * sequences they own (`awsdms_ddl_audit.c_key` is a bigserial) and any relation named `awsdms_*`.
 */
export function withoutDmsObjects(snapshot: SchemaSnapshot): SchemaSnapshot {
  const dmsTable = (table: string) => isDmsObject(table);
  return {
    ...snapshot,
    tables: snapshot.tables.filter((t) => !dmsTable(t.name)),
    indexes: snapshot.indexes.filter((i) => !dmsTable(i.table) && !isDmsObject(i.name)),
    triggers: snapshot.triggers.filter((t) => !dmsTable(t.table)),
    sequences: snapshot.sequences.filter((s) => !isDmsObject(s.name) && (s.ownedBy === null || !dmsTable(s.ownedBy.table))),
    views: snapshot.views.filter((v) => !isDmsObject(v.name)),
  };
}
