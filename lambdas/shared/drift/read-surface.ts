import { compareText, sortByKeys, type SchemaSnapshot } from '../compare/schema';
import { normalizeExpression, normalizeWhitespace } from '../compare/schema/normalize';
import type { Database } from '../pg/connection';
import { isDmsObject } from './dms';
import { SURFACE_FORMAT_VERSION, type Acl, type FunctionSurface, type PartitionSurface, type PolicySurface, type RelationName, type SurfaceSnapshot, type TableSurface } from './surface';

/**
 * The SQL below is fixed text: the tables, sequences and schemas to read are bind parameters
 * (`$1::text[]` schemas and `$2::text[]` names, joined to pg_namespace / pg_class), so no name is
 * ever put into a statement. Everything comes from pg_catalog (information_schema shows only what
 * the user owns or may use, and has no policies, partition bounds or function definitions).
 */

/** One ACL as `[grantee, privilege, grantable]` rows; `kind` is acldefault's object type, so an object without an ACL shows its defaults. */
function aclJson(acl: string, kind: 'r' | 's' | 'f' | 'n' | null, owner: string | null): string {
  const items = kind === null ? acl : `coalesce(${acl}, pg_catalog.acldefault('${kind}', ${owner}))`;
  return `(SELECT pg_catalog.json_agg(pg_catalog.json_build_array(
            CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee) END, a.privilege_type, a.is_grantable))
          FROM pg_catalog.aclexplode(${items}) a)`;
}

/** The relations named by `$1` (schemas) and `$2` (names), of the given relkinds. */
function selected(relkinds: string): string {
  return `SELECT c.oid, n.nspname AS schema, c.relname AS name
  FROM unnest($1::text[], $2::text[]) AS s(schema, name)
  JOIN pg_catalog.pg_namespace n ON n.nspname = s.schema
  JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = s.name AND c.relkind IN (${relkinds})`;
}

const TABLES_SQL = `
WITH sel AS (${selected("'r', 'p'")})
SELECT sel.schema, sel.name, pg_catalog.pg_get_userbyid(c.relowner) AS owner,
  ${aclJson('c.relacl', 'r', 'c.relowner')} AS acl,
  (SELECT pg_catalog.json_object_agg(at.attname, ${aclJson('at.attacl', null, null)})
     FROM pg_catalog.pg_attribute at
    WHERE at.attrelid = c.oid AND at.attnum > 0 AND NOT at.attisdropped AND at.attacl IS NOT NULL) AS column_acls,
  c.relrowsecurity AS row_security, c.relforcerowsecurity AS force_row_security,
  CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_key
FROM sel JOIN pg_catalog.pg_class c ON c.oid = sel.oid`;

const POLICIES_SQL = `
WITH sel AS (${selected("'r', 'p'")})
SELECT sel.schema, sel.name AS "table", p.polname AS name, p.polpermissive AS permissive, p.polcmd AS command,
  ARRAY(SELECT CASE WHEN r.oid = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(r.oid)::text END FROM unnest(p.polroles) AS r(oid))::text[] AS roles,
  pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS "using", pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS with_check
FROM sel JOIN pg_catalog.pg_policy p ON p.polrelid = sel.oid`;

/** Below each selected partitioned table at every depth (pg_partition_tree), and each selected table that is a partition. */
const PARTITIONS_SQL = `
WITH sel AS (${selected("'r', 'p'")}),
tree AS (
  SELECT t.relid, t.parentrelid
    FROM sel JOIN pg_catalog.pg_class c ON c.oid = sel.oid AND c.relkind = 'p'
    CROSS JOIN LATERAL pg_catalog.pg_partition_tree(sel.oid) t
   WHERE t.parentrelid IS NOT NULL
  UNION
  SELECT c.oid, i.inhparent
    FROM sel JOIN pg_catalog.pg_class c ON c.oid = sel.oid AND c.relispartition
    JOIN pg_catalog.pg_inherits i ON i.inhrelid = c.oid
)
SELECT n.nspname AS schema, c.relname AS name, pn.nspname AS parent_schema, pc.relname AS parent_name,
  pg_catalog.pg_get_expr(c.relpartbound, c.oid) AS bound,
  CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_key
FROM tree
JOIN pg_catalog.pg_class c ON c.oid = tree.relid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_class pc ON pc.oid = tree.parentrelid JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace`;

const SEQUENCES_SQL = `
WITH sel AS (${selected("'S'")})
SELECT sel.schema, sel.name, pg_catalog.pg_get_userbyid(c.relowner) AS owner, ${aclJson('c.relacl', 's', 'c.relowner')} AS acl
FROM sel JOIN pg_catalog.pg_class c ON c.oid = sel.oid`;

/** `$1`: the schemas. */
const SCHEMAS_SQL = `
SELECT n.nspname AS name, pg_catalog.pg_get_userbyid(n.nspowner) AS owner, ${aclJson('n.nspacl', 'n', 'n.nspowner')} AS acl
FROM pg_catalog.pg_namespace n WHERE n.nspname = ANY($1::text[])`;

/**
 * `(fn, schema, name)`: the functions that objects of each catalog (defaults, constraints, ...)
 * on a selected table depend on; a catalog comes with its column naming the table.
 */
function usedFunctions(catalogs: ReadonlyArray<readonly [catalog: string, tableColumn: string]>): string {
  return catalogs
    .map(
      ([catalog, tableColumn], i) => `  SELECT d.refobjid${i === 0 ? ' AS fn' : ''}, sel.schema, sel.name FROM sel
    JOIN pg_catalog.${catalog} x ON x.${tableColumn} = sel.oid
    JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.${catalog}'::pg_catalog.regclass AND d.objid = x.oid
   WHERE d.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass`,
    )
    .join('\n  UNION\n');
}

/**
 * Functions and procedures in the schemas `$3`, those the selected tables' defaults, check
 * constraints, triggers and policies depend on (pg_depend), and those named `$4`.`$5` (in the
 * other side's scope), outside the system schemas and not created by an extension. Aggregates are
 * left out (pg_get_functiondef does not print them).
 */
const FUNCTIONS_SQL = `
WITH sel AS (${selected("'r', 'p'")}),
uses AS (
${usedFunctions([
  ['pg_attrdef', 'adrelid'],
  ['pg_constraint', 'conrelid'],
  ['pg_trigger', 'tgrelid'],
  ['pg_policy', 'polrelid'],
])}
),
scope AS (
  SELECT p.oid FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ANY($3::text[])
  UNION
  SELECT fn FROM uses
  UNION
  SELECT p.oid FROM unnest($4::text[], $5::text[]) AS f(schema, name)
    JOIN pg_catalog.pg_namespace n ON n.nspname = f.schema
    JOIN pg_catalog.pg_proc p ON p.pronamespace = n.oid AND p.proname = f.name
)
SELECT n.nspname AS schema, p.proname AS name, pg_catalog.pg_get_function_identity_arguments(p.oid) AS arguments,
  p.prokind AS kind, pg_catalog.pg_get_functiondef(p.oid) AS definition, pg_catalog.pg_get_userbyid(p.proowner) AS owner,
  ${aclJson('p.proacl', 'f', 'p.proowner')} AS acl,
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(u.schema, u.name)) FROM uses u WHERE u.fn = p.oid) AS used_by
FROM scope
JOIN pg_catalog.pg_proc p ON p.oid = scope.oid
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE p.prokind IN ('f', 'p') AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                   WHERE e.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND e.objid = p.oid AND e.deptype = 'e')`;

type AclRows = Array<[string, string, boolean]> | null;

interface TableRow {
  schema: string;
  name: string;
  owner: string;
  acl: AclRows;
  column_acls: Record<string, AclRows> | null;
  row_security: boolean;
  force_row_security: boolean;
  partition_key: string | null;
}

interface PolicyRow {
  schema: string;
  table: string;
  name: string;
  permissive: boolean;
  command: string;
  roles: string[];
  using: string | null;
  with_check: string | null;
}

interface PartitionRow {
  schema: string;
  name: string;
  parent_schema: string;
  parent_name: string;
  bound: string | null;
  partition_key: string | null;
}

interface OwnedRow {
  schema: string;
  name: string;
  owner: string;
  acl: AclRows;
}

interface FunctionRow extends OwnedRow {
  arguments: string;
  kind: 'f' | 'p';
  definition: string;
  used_by: Array<[string, string]> | null;
}

const COMMANDS: Readonly<Record<string, string>> = { '*': 'all', r: 'select', a: 'insert', w: 'update', d: 'delete' };

/**
 * Reads the surface of the tables and sequences a schema snapshot holds (limit the snapshot to the
 * selection first, and leave DMS's objects out: withoutDmsObjects). One read-only transaction with
 * an empty search_path, like readSchemaSnapshot, so every name in a definition is qualified.
 *
 * @param alsoFunctions functions to read besides those in scope, by schema and name (all their
 *   overloads): those in the other side's scope. A function used only by a policy on one side is
 *   in that side's scope alone, yet may exist on the other, where it must not look missing.
 */
export async function readSurface(
  db: Pick<Database, 'withClient'>,
  schema: Pick<SchemaSnapshot, 'tables' | 'sequences'>,
  alsoFunctions: readonly RelationName[] = [],
): Promise<SurfaceSnapshot> {
  const tables = schema.tables.filter((t) => !isDmsObject(t.name));
  const sequences = schema.sequences.filter((s) => !isDmsObject(s.name));
  const schemas = [...new Set(tables.map((t) => t.schema))].sort(compareText);
  const tableParams = [tables.map((t) => t.schema), tables.map((t) => t.name)];
  return db.withClient(async (client) => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      await client.query("SELECT pg_catalog.set_config('search_path', '', true)");
      const query = async <R>(text: string, values: unknown[]) => (await client.query(text, values)).rows as R[];
      const tableRows = await query<TableRow>(TABLES_SQL, tableParams);
      const policyRows = await query<PolicyRow>(POLICIES_SQL, tableParams);
      const partitionRows = await query<PartitionRow>(PARTITIONS_SQL, tableParams);
      const sequenceRows = await query<OwnedRow>(SEQUENCES_SQL, [sequences.map((s) => s.schema), sequences.map((s) => s.name)]);
      const schemaRows = await query<{ name: string; owner: string; acl: AclRows }>(SCHEMAS_SQL, [schemas]);
      const functionRows = await query<FunctionRow>(FUNCTIONS_SQL, [...tableParams, schemas, alsoFunctions.map((f) => f.schema), alsoFunctions.map((f) => f.name)]);
      return {
        formatVersion: SURFACE_FORMAT_VERSION,
        tables: sortByKeys(tableRows, (r) => r.schema, (r) => r.name).map((r) => toTable(r, policyRows)),
        partitions: sortByKeys(partitionRows, (r) => r.schema, (r) => r.name)
          .filter((r) => !isDmsObject(r.name))
          .map(toPartition),
        sequences: sortByKeys(sequenceRows, (r) => r.schema, (r) => r.name).map((r) => ({ schema: r.schema, name: r.name, owner: r.owner, acl: toAcl(r.acl) })),
        schemas: sortByKeys(schemaRows, (r) => r.name).map((r) => ({ name: r.name, owner: r.owner, acl: toAcl(r.acl) })),
        functions: sortByKeys(functionRows, (r) => r.schema, (r) => r.name, (r) => r.arguments)
          .filter((r) => !isDmsObject(r.name))
          .map(toFunction),
      };
    } finally {
      // Read-only: ending it either way is the same; a broken connection is dropped by the pool.
      await client.query('ROLLBACK').catch(() => undefined);
    }
  });
}

function toTable(r: TableRow, policies: readonly PolicyRow[]): TableSurface {
  const columnAcls: Record<string, Acl> = {};
  for (const column of Object.keys(r.column_acls ?? {}).sort(compareText)) columnAcls[column] = toAcl(r.column_acls![column] ?? null);
  return {
    schema: r.schema,
    name: r.name,
    owner: r.owner,
    acl: toAcl(r.acl),
    columnAcls,
    rowSecurity: r.row_security,
    forceRowSecurity: r.force_row_security,
    policies: sortByKeys(
      policies.filter((p) => p.schema === r.schema && p.table === r.name),
      (p) => p.name,
    ).map(toPolicy),
    partitionKey: r.partition_key === null ? null : normalizeWhitespace(r.partition_key),
  };
}

function toPolicy(p: PolicyRow): PolicySurface {
  return {
    name: p.name,
    permissive: p.permissive,
    command: COMMANDS[p.command] ?? p.command,
    roles: [...p.roles].sort(compareText),
    using: p.using === null ? null : normalizeExpression(p.using),
    withCheck: p.with_check === null ? null : normalizeExpression(p.with_check),
  };
}

function toPartition(r: PartitionRow): PartitionSurface {
  return {
    schema: r.schema,
    name: r.name,
    parent: { schema: r.parent_schema, name: r.parent_name },
    bound: normalizeWhitespace(r.bound ?? ''),
    partitionKey: r.partition_key === null ? null : normalizeWhitespace(r.partition_key),
  };
}

function toFunction(r: FunctionRow): FunctionSurface {
  const usedBy = sortByKeys(
    (r.used_by ?? []).map(([schema, name]) => ({ schema, name })),
    (t) => t.schema,
    (t) => t.name,
  );
  return {
    schema: r.schema,
    name: r.name,
    arguments: r.arguments,
    kind: r.kind === 'p' ? 'procedure' : 'function',
    definition: normalizeWhitespace(r.definition),
    owner: r.owner,
    acl: toAcl(r.acl),
    usedBy,
  };
}

/** Grantee -> sorted privileges; a privilege also held with grant option is listed once, with it. */
export function toAcl(rows: AclRows): Acl {
  const byGrantee = new Map<string, Map<string, boolean>>();
  for (const [grantee, privilege, grantable] of rows ?? []) {
    const privileges = byGrantee.get(grantee) ?? new Map<string, boolean>();
    privileges.set(privilege, (privileges.get(privilege) ?? false) || grantable);
    byGrantee.set(grantee, privileges);
  }
  const acl: Record<string, string[]> = {};
  for (const grantee of [...byGrantee.keys()].sort(compareText)) {
    acl[grantee] = [...byGrantee.get(grantee)!.entries()].map(([p, g]) => (g ? `${p} WITH GRANT OPTION` : p)).sort(compareText);
  }
  return acl;
}
