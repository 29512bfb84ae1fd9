import type { Database } from '../pg/connection';
import { FreezeRoleError } from './errors';

/** PostgreSQL's and RDS's own roles; never the application. */
const SYSTEM_ROLE = "^(pg_|rds_|rdsadmin$|rdsrepladmin$|rdstopmgr$)";

/**
 * The roles a freeze applies to. Configured roles must exist, must not be superusers (they bypass
 * privileges and may override a read-only default) and must not be the role Ferry connects as
 * (Ferry writes the marker row while the application is frozen). No roles configured: every role
 * that can log in, except superusers, replication roles, Ferry's own and the system's.
 */
export async function resolveFreezeRoles(db: Database, configured: readonly string[]): Promise<string[]> {
  if (configured.length === 0) {
    const rows = await db.query<{ rolname: string }>(
      `select rolname from pg_roles
        where rolcanlogin and not rolsuper and not rolreplication and rolname <> current_user and rolname !~ $1
        order by rolname`,
      [SYSTEM_ROLE],
    );
    return rows.map((r) => r.rolname);
  }
  const rows = await db.query<{ rolname: string; rolsuper: boolean; is_me: boolean }>(
    `select rolname, rolsuper, rolname = current_user as is_me from pg_roles where rolname = any($1::text[])`,
    [[...configured]],
  );
  const found = new Map(rows.map((r) => [r.rolname, r]));
  const problems: string[] = [];
  for (const role of configured) {
    const r = found.get(role);
    if (!r) problems.push(`role "${role}" does not exist on the ${db.label}`);
    else if (r.is_me) problems.push(`role "${role}" is the role Ferry connects as; give Ferry its own login role`);
    else if (r.rolsuper) problems.push(`role "${role}" is a superuser, which no freeze can stop from writing`);
  }
  if (problems.length > 0) throw new FreezeRoleError(`freeze.roles: ${problems.join('; ')}. Nothing was frozen.`);
  return [...configured];
}
