import type pg from 'pg';
import type { Database } from '../pg/connection';
import { displayName, qualifiedName, quoteIdent, type TableName } from '../pg/identifiers';
import { FreezeIncompleteError } from './errors';

/** The privileges that let a role change a table's rows. */
const WRITE_PRIVILEGES = ['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'] as const;
type WritePrivilege = (typeof WRITE_PRIVILEGES)[number];

/** SQLSTATE of REVOKE without CASCADE when the role passed the privilege on. */
const DEPENDENT_PRIVILEGES_EXIST = '2BP01';

/** One privilege held directly by a role on a table (or on one column, for INSERT and UPDATE). */
export interface RevokedGrant {
  readonly schema: string;
  readonly table: string;
  readonly column?: string;
  readonly role: string;
  readonly privilege: WritePrivilege;
  readonly grantable: boolean;
}

/** The revoke method's plan: every write privilege the roles hold directly on the tables. */
export interface RevokePlan {
  readonly grants: readonly RevokedGrant[];
}

interface GrantRow {
  schema: string;
  table: string;
  column: string | null;
  role: string;
  privilege: WritePrivilege;
  grantable: boolean;
}

/**
 * Reads the write privileges `roles` hold directly on `tables`, table-level and column-level
 * (an owner with no explicit ACL holds them implicitly: acldefault).
 */
export async function planRevoke(db: Database, roles: readonly string[], tables: readonly TableName[]): Promise<RevokePlan> {
  const rows = await db.query<GrantRow>(
    `with t as (
       select c.oid, n.nspname, c.relname, c.relowner, c.relacl
         from unnest($1::text[], $2::text[]) as sel(schema, name)
         join pg_namespace n on n.nspname = sel.schema
         join pg_class c on c.relnamespace = n.oid and c.relname = sel.name)
     select t.nspname as schema, t.relname as "table", null::text as "column", r.rolname as role,
            a.privilege_type as privilege, a.is_grantable as grantable
       from t cross join lateral aclexplode(coalesce(t.relacl, acldefault('r', t.relowner))) a
       join pg_roles r on r.oid = a.grantee
      where r.rolname = any($3::text[]) and a.privilege_type = any($4::text[])
     union all
     select t.nspname, t.relname, att.attname, r.rolname, a.privilege_type, a.is_grantable
       from t join pg_attribute att on att.attrelid = t.oid and att.attnum > 0 and not att.attisdropped and att.attacl is not null
       cross join lateral aclexplode(att.attacl) a
       join pg_roles r on r.oid = a.grantee
      where r.rolname = any($3::text[]) and a.privilege_type in ('INSERT', 'UPDATE')
     order by 1, 2, 3 nulls first, 4, 5`,
    [tables.map((t) => t.schema), tables.map((t) => t.name), [...roles], [...WRITE_PRIVILEGES]],
  );
  return {
    grants: rows.map((r) => ({
      schema: r.schema,
      table: r.table,
      ...(r.column === null ? {} : { column: r.column }),
      role: r.role,
      privilege: r.privilege,
      grantable: r.grantable,
    })),
  };
}

const target = (g: RevokedGrant) =>
  `${g.privilege}${g.column === undefined ? '' : ` (${quoteIdent(g.column)})`} on table ${qualifiedName({ schema: g.schema, name: g.table })}`;

/**
 * Revokes the plan's grants and checks, in the same transaction, that no role can still write any
 * of the tables; if one can (through a group role, PUBLIC, or a grant made by someone Ferry cannot
 * revoke for), everything is rolled back and FreezeIncompleteError says where to look.
 * Safe to repeat: revoking what is not granted does nothing.
 */
export async function applyRevoke(db: Database, plan: RevokePlan, roles: readonly string[], tables: readonly TableName[]): Promise<void> {
  await inTransaction(db, async (client) => {
    await client.query(`set local lock_timeout = '10s'`);
    for (const g of plan.grants) {
      try {
        await client.query(`revoke ${target(g)} from ${quoteIdent(g.role)}`);
      } catch (error) {
        // The role used its grant option: revoking would need CASCADE, which takes the other roles'
        // grants too, and a thaw could not put those back (they are not in the plan).
        if ((error as { code?: string }).code !== DEPENDENT_PRIVILEGES_EXIST) throw error;
        throw new FreezeIncompleteError(
          `${g.role} has granted ${g.privilege}${g.column === undefined ? '' : ` (${g.column})`} on ${displayName({ schema: g.schema, name: g.table })} ` +
            `to other roles with its grant option, so it cannot be revoked without revoking theirs. ` +
            `Have those roles' privileges granted by the table owner instead, or use freeze.method 'read-only'. Nothing was changed.`,
          { cause: error },
        );
      }
    }
    const still = await client.query<{ role: string; schema: string; name: string; privilege: string }>(
      `select r.role, t.schema, t.name, p.privilege
         from unnest($1::text[]) as r(role)
         cross join unnest($2::text[], $3::text[]) as t(schema, name)
         cross join unnest(array['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) as p(privilege)
        where case when p.privilege in ('INSERT', 'UPDATE')
                   then has_any_column_privilege(r.role, format('%I.%I', t.schema, t.name), p.privilege)
                   else has_table_privilege(r.role, format('%I.%I', t.schema, t.name), p.privilege) end`,
      [[...roles], tables.map((t) => t.schema), tables.map((t) => t.name)],
    );
    if (still.rows.length > 0) {
      const shown = still.rows.slice(0, 10).map((s) => `${s.role}: ${s.privilege} on ${displayName({ schema: s.schema, name: s.name })}`);
      throw new FreezeIncompleteError(
        `After revoking their own grants, roles can still write: ${shown.join('; ')}${still.rows.length > 10 ? `; and ${still.rows.length - 10} more` : ''}. ` +
          `The privilege comes from a group role they belong to, from PUBLIC, or from a grant made by another role that Ferry's role cannot revoke. ` +
          `Add the group roles to freeze.roles, revoke the PUBLIC grant, or use freeze.method 'read-only'. Nothing was changed.`,
      );
    }
  });
}

/** Grants back exactly what the plan revoked (with grant option where it had it). Safe to repeat. */
export async function restoreGrants(db: Database, plan: RevokePlan): Promise<void> {
  await inTransaction(db, async (client) => {
    await client.query(`set local lock_timeout = '10s'`);
    for (const g of plan.grants) {
      await client.query(`grant ${target(g)} to ${quoteIdent(g.role)}${g.grantable ? ' with grant option' : ''}`);
    }
  });
}

export async function inTransaction<T>(db: Database, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return db.withClient(async (client) => {
    await client.query('begin');
    try {
      const result = await fn(client);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    }
  });
}
