import type { FreezeRecord } from '../shared/checkpoints';
import { chooseSequences } from '../shared/cutover/sequences';
import { selectedTables } from '../shared/cutover/tables';
import { isDmsObject } from '../shared/drift/dms';
import { FreezeRoleError } from '../shared/freeze/errors';
import type { RevokePlan } from '../shared/freeze/revoke';
import { resolveFreezeRoles } from '../shared/freeze/roles';
import type { MigrationConfig } from '../shared/migration-config';
import type { Database } from '../shared/pg/connection';
import type { TableName } from '../shared/pg/identifiers';

export interface RolesReady {
  readonly passed: boolean;
  readonly message: string;
}

/** What the application does with its tables, sequences and schemas, and asks for on each. */
const TABLE_PRIVILEGES = ['INSERT', 'UPDATE', 'DELETE'] as const;

/** Problems named in the message; the count says how many more. */
const NAMED = 10;

type ObjectKind = 'table' | 'sequence' | 'schema';

/** One privilege of one role on one object, as has_*_privilege answered it. */
interface PrivilegeRow {
  kind: ObjectKind;
  role: string;
  schema: string;
  name: string;
  privilege: string;
  held: boolean;
}

interface Side {
  /** Role -> rolcanlogin, for the roles that exist. */
  readonly roles: Map<string, boolean>;
  /** `kind\0schema\0name` of the objects that exist. */
  readonly objects: Set<string>;
  /** `role\0kind\0schema\0name\0privilege` of the privileges held (or given back when the side is thawed). */
  readonly held: Set<string>;
}

/** The objects to check as they exist on one database: `$1`/`$2` tables, `$3`/`$4` sequences, `$5` schemas. */
const OBJECTS = `
t as (
  select c.oid, n.nspname, c.relname
    from unnest($1::text[], $2::text[]) as s(schema, name)
    join pg_catalog.pg_namespace n on n.nspname = s.schema
    join pg_catalog.pg_class c on c.relnamespace = n.oid and c.relname = s.name and c.relkind in ('r', 'p')),
q as (
  select c.oid, n.nspname, c.relname
    from unnest($3::text[], $4::text[]) as s(schema, name)
    join pg_catalog.pg_namespace n on n.nspname = s.schema
    join pg_catalog.pg_class c on c.relnamespace = n.oid and c.relname = s.name and c.relkind = 'S'),
ns as (select oid, nspname from pg_catalog.pg_namespace where nspname = any($5::text[]))`;

const EXISTING_SQL = `
with ${OBJECTS}
select 'table' as kind, nspname as schema, relname as name from t
union all select 'sequence', nspname, relname from q
union all select 'schema', nspname, nspname from ns`;

/**
 * `$6` roles, `$7` table privileges. Every role, object and privilege goes in as a bind parameter
 * and the functions take OIDs, so no name is ever put into the statement. has_*_privilege counts
 * what the role holds directly, through the roles it belongs to, and through PUBLIC: what it can do
 * once it connects.
 */
const PRIVILEGES_SQL = `
with ${OBJECTS},
r as (select oid, rolname from pg_catalog.pg_roles where rolname = any($6::text[]))
select 'table' as kind, r.rolname as role, t.nspname as schema, t.relname as name, p.privilege,
       pg_catalog.has_table_privilege(r.oid, t.oid, p.privilege) as held
  from r cross join t cross join unnest($7::text[]) as p(privilege)
union all
select 'sequence', r.rolname, q.nspname, q.relname, 'USAGE', pg_catalog.has_sequence_privilege(r.oid, q.oid, 'USAGE')
  from r cross join q
union all
select 'schema', r.rolname, ns.nspname, ns.nspname, 'USAGE', pg_catalog.has_schema_privilege(r.oid, ns.oid, 'USAGE')
  from r cross join ns`;

const key = (...parts: string[]) => parts.join('\u0000');

async function readSide(
  db: Database,
  roles: readonly string[],
  objects: { tables: readonly TableName[]; sequences: readonly TableName[]; schemas: readonly string[] },
  freeze: FreezeRecord | undefined,
): Promise<Side> {
  const where = [
    objects.tables.map((t) => t.schema),
    objects.tables.map((t) => t.name),
    objects.sequences.map((s) => s.schema),
    objects.sequences.map((s) => s.name),
    [...objects.schemas],
  ];
  const [roleRows, existing, rows] = await Promise.all([
    db.query<{ rolname: string; rolcanlogin: boolean }>('select rolname, rolcanlogin from pg_catalog.pg_roles where rolname = any($1::text[])', [[...roles]]),
    db.query<{ kind: ObjectKind; schema: string; name: string }>(EXISTING_SQL, where),
    db.query<PrivilegeRow>(PRIVILEGES_SQL, [...where, [...roles], [...TABLE_PRIVILEGES]]),
  ]);
  const held = new Set(rows.filter((r) => r.held).map((r) => key(r.role, r.kind, r.schema, r.name, r.privilege)));
  // A side frozen by revoke gets its plan's grants back at thaw: they count as held.
  if (freeze !== undefined && freeze.status !== 'thawed' && freeze.method === 'revoke') {
    for (const g of (freeze.plan as RevokePlan | null)?.grants ?? []) {
      if (g.column === undefined) held.add(key(g.role, 'table', g.schema, g.table, g.privilege));
    }
  }
  return {
    roles: new Map(roleRows.map((r) => [r.rolname, r.rolcanlogin])),
    objects: new Set(existing.map((r) => key(r.kind, r.schema, r.name))),
    held,
  };
}

/**
 * The application's roles will be able to write on the target once it is thawed: the roles a
 * freeze applies to (freeze.roles, or every login role but superusers, replication roles, Ferry's
 * own and the system's, as resolveFreezeRoles reads them on the source) each exist on the target,
 * can log in there if they can on the source, and hold there every INSERT, UPDATE and DELETE they
 * hold on the source on each selected table, and USAGE on the sequences the cutover moves and on
 * the schemas of those tables and sequences where they hold it on the source. Privileges a freeze
 * of either side took away and will give back at thaw (its stored plan) count as held. Reads the
 * catalogs only.
 */
export async function rolesReady(
  migration: MigrationConfig,
  dbs: { readonly source: Database; readonly target: Database },
  freezes: { readonly source?: FreezeRecord | undefined; readonly target?: FreezeRecord | undefined } = {},
): Promise<RolesReady> {
  let roles: string[];
  try {
    roles = await resolveFreezeRoles(dbs.source, migration.freeze.roles);
  } catch (error) {
    if (error instanceof FreezeRoleError) return { passed: false, message: error.message.replace(/ Nothing was frozen\.$/, '') };
    throw error;
  }
  const which = migration.freeze.roles.length > 0 ? 'freeze.roles' : 'every login role on the source but superusers, replication roles, Ferry\'s own and the system\'s (freeze.roles is empty)';
  if (roles.length === 0) return { passed: true, message: `no application role to check: ${which} names none` };

  const tables = (await selectedTables(dbs.source, migration)).filter((t) => !isDmsObject(t.name));
  const sequences = (await chooseSequences(dbs.source, migration.tables)).filter((c) => c.moved).map((c) => ({ schema: c.schema, name: c.name }));
  const schemas = [...new Set([...tables, ...sequences].map((o) => o.schema))].sort();
  const objects = { tables, sequences, schemas };
  const [source, target] = await Promise.all([
    readSide(dbs.source, roles, objects, freezes.source),
    readSide(dbs.target, roles, objects, freezes.target),
  ]);

  const problems: string[] = [];
  const absent = [
    ...tables.map((t) => ['table', t.schema, t.name] as const),
    ...sequences.map((s) => ['sequence', s.schema, s.name] as const),
    ...schemas.map((s) => ['schema', s, s] as const),
  ].filter(([kind, schema, name]) => source.objects.has(key(kind, schema, name)) && !target.objects.has(key(kind, schema, name)));
  for (const [kind, schema, name] of absent) problems.push(`${kind} ${kind === 'schema' ? schema : `${schema}.${name}`} does not exist on the target`);
  for (const role of roles) {
    const canLogin = target.roles.get(role);
    if (canLogin === undefined) {
      problems.push(`role ${role} does not exist on the target`);
      continue;
    }
    if (source.roles.get(role) === true && !canLogin) problems.push(`role ${role} can log in on the source but not on the target (ALTER ROLE ... LOGIN)`);
    const lacking = new Map<string, string[]>();
    for (const held of source.held) {
      const [r, kind, schema, name, privilege] = held.split('\u0000') as [string, ObjectKind, string, string, string];
      if (r !== role || target.held.has(held) || !target.objects.has(key(kind, schema, name))) continue;
      const object = `${kind} ${kind === 'schema' ? schema : `${schema}.${name}`}`;
      lacking.set(object, [...(lacking.get(object) ?? []), privilege]);
    }
    for (const [object, privileges] of [...lacking.entries()].sort(([a], [b]) => a.localeCompare(b, 'en'))) {
      const ordered = [...TABLE_PRIVILEGES, 'USAGE'].filter((p) => privileges.includes(p));
      problems.push(`role ${role} lacks ${ordered.join(', ')} on ${object} on the target (it has ${ordered.length === 1 ? 'it' : 'them'} on the source)`);
    }
  }

  const counted = `${tables.length} selected table(s), ${sequences.length} sequence(s) and ${schemas.length} schema(s)`;
  const thawNote = [freezes.source, freezes.target].some((f) => f !== undefined && f.status !== 'thawed' && f.method === 'revoke')
    ? '; privileges a freeze took away count as held, since its thaw gives them back'
    : '';
  if (problems.length === 0) {
    return {
      passed: true,
      message:
        `the ${roles.length} application role(s) (${roles.join(', ')}; ${which}) exist on the target, can log in there where they can on the source, ` +
        `and hold there the INSERT, UPDATE, DELETE and USAGE they hold on the source on the ${counted}${thawNote}`,
    };
  }
  const shown = problems.slice(0, NAMED).join('; ') + (problems.length > NAMED ? `; and ${problems.length - NAMED} more` : '');
  return {
    passed: false,
    message:
      `after the switch the application could not write on the target: ${shown}. Create the roles and grant the privileges on the target ` +
      `as on the source (checked: ${roles.join(', ')} on the ${counted})${thawNote}`,
  };
}
