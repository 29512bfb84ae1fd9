import type { Database } from '../../pg/connection';
import { displayName, qualifiedName, quoteIdent } from '../../pg/identifiers';
import type { CheckOutcome, Engine, PreflightCheck } from '../check';
import { readSelectedTables, type SelectedTable } from '../catalog';
import { allOf, count, listNames, NAMES_IN_MESSAGE, sentences } from '../text';

export interface SourceRole {
  readonly user: string;
  readonly database: string;
  readonly superuser: boolean;
  /** The REPLICATION attribute. */
  readonly replication: boolean;
  /** Member of rds_replication (RDS and Aurora, where REPLICATION cannot be granted). */
  readonly rdsReplication: boolean;
  readonly createOnDatabase: boolean;
}

export interface SourceTableAccess extends SelectedTable {
  readonly select: boolean;
  /** Owns the table, or has the privileges of its owner. */
  readonly owns: boolean;
}

/** `GRANT ... ON a, b TO user;` for at most NAMES_IN_MESSAGE tables, the rest counted. */
export function grantStatement(privileges: string, tables: readonly SelectedTable[], user: string): string {
  const shown = tables.slice(0, NAMES_IN_MESSAGE).map(qualifiedName).join(', ');
  const rest = tables.length - Math.min(tables.length, NAMES_IN_MESSAGE);
  return `GRANT ${privileges} ON ${shown} TO ${quoteIdent(user)};${rest > 0 ? ` (and the same for ${count(rest, 'more table')})` : ''}`;
}

/**
 * Both engines read changes through a logical replication slot (REPLICATION, or rds_replication on
 * RDS, or superuser) and copy the tables (SELECT). Native replication also creates a publication
 * FOR TABLE on the source: CREATE on the database, and ownership of every table in it (PostgreSQL
 * docs, CREATE PUBLICATION, 15-17: "To add a table to a publication, the invoking user must have
 * ownership rights on the table").
 */
export function sourcePrivilegesResult(engine: Engine, role: SourceRole, tables: readonly SourceTableAccess[]): CheckOutcome {
  const user = quoteIdent(role.user);
  if (role.superuser) return { severity: 'ok', message: `The source user ${role.user} is a superuser: it has every privilege the replication needs.`, objects: [] };
  const problems: string[] = [];
  const objects: string[] = [];
  if (!role.replication && !role.rdsReplication) {
    problems.push(
      `The source user ${role.user} may not use replication. Self-managed: ALTER ROLE ${user} REPLICATION; RDS and Aurora: GRANT rds_replication TO ${user}; (as the master user).`,
    );
    objects.push(role.user);
  }
  const unreadable = tables.filter((t) => !t.select);
  if (unreadable.length > 0) {
    problems.push(
      `${role.user} cannot read ${count(unreadable.length, 'selected table')}: ${listNames(unreadable.map(displayName))}. ${grantStatement('SELECT', unreadable, role.user)}`,
    );
    objects.push(...unreadable.map(displayName));
  }
  if (engine === 'native') {
    if (!role.createOnDatabase) {
      problems.push(`Creating the publication needs CREATE on the source database: GRANT CREATE ON DATABASE ${quoteIdent(role.database)} TO ${user};`);
      objects.push(role.database);
    }
    const notOwned = tables.filter((t) => !t.owns);
    if (notOwned.length > 0) {
      const owners = [...new Set(notOwned.map((t) => t.owner))].sort();
      problems.push(
        `A publication FOR TABLE may only name tables its creator owns, and ${role.user} does not own ${count(notOwned.length, 'selected table')}: ${listNames(notOwned.map(displayName))}. ` +
          `Make ${role.user} their owner (ALTER TABLE ... OWNER TO ${user}), or grant it the owning role unless that is a superuser (${owners.map((o) => `GRANT ${quoteIdent(o)} TO ${user};`).join(' ')}), or use the owner as the migration's source user.`,
      );
      objects.push(...notOwned.map(displayName).filter((n) => !objects.includes(n)));
    }
  }
  if (problems.length === 0) {
    return {
      severity: 'ok',
      message: `The source user ${role.user} can use replication and read ${allOf(tables.length, 'selected table')}${engine === 'native' ? ', create the publication and add them to it' : ''}.`,
      objects: [],
    };
  }
  return { severity: 'error', message: sentences(...problems), objects };
}

export async function readSourceRole(db: Database): Promise<SourceRole> {
  const [row] = await db.query<SourceRole>(`
    select r.rolname as "user", pg_catalog.current_database() as database, r.rolsuper as superuser, r.rolreplication as replication,
           coalesce((select pg_catalog.pg_has_role(r.oid, g.oid, 'MEMBER') from pg_catalog.pg_roles g where g.rolname = 'rds_replication'), false) as "rdsReplication",
           pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE') as "createOnDatabase"
      from pg_catalog.pg_roles r where r.rolname = current_user`);
  if (row === undefined) throw new Error(`the ${db.label} does not show the current user in pg_roles`);
  return row;
}

export async function readSourceTableAccess(db: Database, tables: readonly SelectedTable[]): Promise<SourceTableAccess[]> {
  if (tables.length === 0) return [];
  const rows = await db.query<{ oid: string; select: boolean; owns: boolean }>(
    `select c.oid::text as oid, pg_catalog.has_table_privilege(c.oid, 'SELECT') as "select", pg_catalog.pg_has_role(c.relowner, 'USAGE') as owns
       from pg_catalog.pg_class c where c.oid = any($1::oid[])`,
    [tables.map((t) => t.oid)],
  );
  const byOid = new Map(rows.map((r) => [r.oid, r]));
  return tables.map((t) => ({ ...t, select: byOid.get(t.oid)?.select ?? false, owns: byOid.get(t.oid)?.owns ?? false }));
}

export const sourcePrivileges: PreflightCheck = {
  id: 'source-privileges',
  title: 'The source user may replicate (REPLICATION, rds_replication or superuser) and read the tables; native: create the publication',
  databases: ['source'],
  async run(ctx) {
    const [role, tables] = await Promise.all([readSourceRole(ctx.source), readSelectedTables(ctx.source, ctx.selection)]);
    return sourcePrivilegesResult(ctx.engine, role, await readSourceTableAccess(ctx.source, tables));
  },
};
