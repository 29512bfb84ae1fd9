import type { Database } from '../../pg/connection';
import { displayName, quoteIdent } from '../../pg/identifiers';
import type { CheckOutcome, Engine, PreflightCheck } from '../check';
import { readSelectedTables, type SelectedTable } from '../catalog';
import { allOf, count, listNames, sentences } from '../text';
import { grantStatement } from './source-privileges';

export interface TargetRole {
  readonly user: string;
  readonly database: string;
  readonly versionNum: number;
  readonly superuser: boolean;
  readonly createOnDatabase: boolean;
  /** Has the privileges of pg_create_subscription (PostgreSQL 16+). */
  readonly createSubscription: boolean;
  /** Member of rds_superuser (RDS and Aurora), which may create subscriptions there before 16. */
  readonly rdsSuperuser: boolean;
}

/** What replication and comparison do to the target tables: load, apply, replicate TRUNCATE, compare. */
export const TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'] as const;

export interface TargetTableAccess extends SelectedTable {
  /** Privileges from TABLE_PRIVILEGES the user lacks. */
  readonly missing: readonly string[];
  /** May SET ROLE to the table's owner (PostgreSQL 16+ applies changes as the table owner). */
  readonly canBecomeOwner: boolean;
}

/**
 * Both engines write every selected table (and the comparison reads it). Native replication also
 * creates a subscription: superuser before PostgreSQL 16 (rds_superuser on RDS); from 16, the
 * privileges of pg_create_subscription plus CREATE on the database, and since the subscription
 * applies changes as each table's owner, the right to SET ROLE to those owners (PostgreSQL docs,
 * CREATE SUBSCRIPTION and "Logical Replication: Security", 16-17).
 */
export function targetPrivilegesResult(engine: Engine, role: TargetRole, tables: readonly TargetTableAccess[]): CheckOutcome {
  const user = quoteIdent(role.user);
  if (role.superuser) return { severity: 'ok', message: `The target user ${role.user} is a superuser: it has every privilege the replication needs.`, objects: [] };
  const problems: string[] = [];
  const objects: string[] = [];
  if (engine === 'native') {
    if (role.versionNum < 160000) {
      if (!role.rdsSuperuser) {
        problems.push(
          `Before PostgreSQL 16 only a superuser may create a subscription, and ${role.user} is none. Use a superuser (on RDS, a member of rds_superuser) as the migration's target user.`,
        );
        objects.push(role.user);
      }
    } else {
      const grants = [
        !role.createSubscription && `GRANT pg_create_subscription TO ${user};`,
        !role.createOnDatabase && `GRANT CREATE ON DATABASE ${quoteIdent(role.database)} TO ${user};`,
      ].filter((g): g is string => typeof g === 'string');
      if (grants.length > 0) {
        problems.push(`Creating the subscription needs the privileges of pg_create_subscription and CREATE on the target database: ${grants.join(' ')}`);
        objects.push(role.user);
      }
      const foreign = tables.filter((t) => !t.canBecomeOwner);
      if (foreign.length > 0) {
        const owners = [...new Set(foreign.map((t) => t.owner))].sort();
        problems.push(
          `The subscription applies changes as each table's owner, and ${role.user} may not SET ROLE to the owner of ${count(foreign.length, 'selected table')}: ${listNames(foreign.map(displayName))}. ` +
            owners.map((o) => `GRANT ${quoteIdent(o)} TO ${user} WITH SET TRUE;`).join(' '),
        );
        objects.push(...foreign.map(displayName));
      }
    }
  }
  const lacking = tables.filter((t) => t.missing.length > 0);
  if (lacking.length > 0) {
    const missing = TABLE_PRIVILEGES.filter((p) => lacking.some((t) => t.missing.includes(p)));
    problems.push(
      `${role.user} lacks ${missing.join(', ')} on ${count(lacking.length, 'selected target table')}: ${listNames(lacking.map((t) => `${displayName(t)} (${t.missing.join(', ')})`))}. ` +
        grantStatement(TABLE_PRIVILEGES.join(', '), lacking, role.user),
    );
    objects.push(...lacking.map(displayName).filter((n) => !objects.includes(n)));
  }
  if (problems.length === 0) {
    return {
      severity: 'ok',
      message: `The target user ${role.user} may ${engine === 'native' ? 'create the subscription and ' : ''}read and write ${allOf(tables.length, 'selected table')}.`,
      objects: [],
    };
  }
  return { severity: 'error', message: sentences(...problems), objects };
}

export async function readTargetRole(db: Database): Promise<TargetRole> {
  const [row] = await db.query<TargetRole>(`
    select r.rolname as "user", pg_catalog.current_database() as database,
           pg_catalog.current_setting('server_version_num')::int as "versionNum", r.rolsuper as superuser,
           pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE') as "createOnDatabase",
           coalesce((select pg_catalog.pg_has_role(r.oid, g.oid, 'USAGE') from pg_catalog.pg_roles g where g.rolname = 'pg_create_subscription'), false) as "createSubscription",
           coalesce((select pg_catalog.pg_has_role(r.oid, g.oid, 'MEMBER') from pg_catalog.pg_roles g where g.rolname = 'rds_superuser'), false) as "rdsSuperuser"
      from pg_catalog.pg_roles r where r.rolname = current_user`);
  if (row === undefined) throw new Error(`the ${db.label} does not show the current user in pg_roles`);
  return row;
}

export async function readTargetTableAccess(db: Database, tables: readonly SelectedTable[], versionNum: number): Promise<TargetTableAccess[]> {
  if (tables.length === 0) return [];
  // has_table_privilege with a list is true when ANY of them is held, so each is asked alone.
  const privileges = TABLE_PRIVILEGES.map((p) => `pg_catalog.has_table_privilege(c.oid, '${p}') as "${p}"`).join(', ');
  // The SET option of role membership exists from PostgreSQL 16, the version that needs it.
  const canBecomeOwner = versionNum >= 160000 ? "pg_catalog.pg_has_role(c.relowner, 'SET')" : 'true';
  const rows = await db.query<Record<string, boolean> & { oid: string; canBecomeOwner: boolean }>(
    `select c.oid::text as oid, ${privileges}, ${canBecomeOwner} as "canBecomeOwner" from pg_catalog.pg_class c where c.oid = any($1::oid[])`,
    [tables.map((t) => t.oid)],
  );
  const byOid = new Map(rows.map((r) => [r.oid, r]));
  return tables.map((t) => {
    const row = byOid.get(t.oid);
    return { ...t, missing: TABLE_PRIVILEGES.filter((p) => !row?.[p]), canBecomeOwner: row?.canBecomeOwner ?? false };
  });
}

export const targetPrivileges: PreflightCheck = {
  id: 'target-privileges',
  title: 'The target user may read and write the tables (SELECT, INSERT, UPDATE, DELETE, TRUNCATE); native: create the subscription',
  databases: ['target'],
  async run(ctx) {
    const [role, tables] = await Promise.all([readTargetRole(ctx.target), readSelectedTables(ctx.target, ctx.selection)]);
    return targetPrivilegesResult(ctx.engine, role, await readTargetTableAccess(ctx.target, tables, role.versionNum));
  },
};
