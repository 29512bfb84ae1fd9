/**
 * What breaks an application after a switch besides tables and columns: functions and procedures,
 * row level security and its policies, privileges, owners, and partitioning. The schema snapshot
 * (compare/schema) does not hold these, so they are read beside it (read-surface.ts), for the same
 * selected tables, and compared by diff-surface.ts. Plain JSON, sorted by code point, so it is
 * stored with the cutover's schema snapshot and compared with the target later (drift).
 *
 * Expressions and definitions are pg_get_* output read with an empty search_path (every name
 * outside pg_catalog is schema-qualified), with whitespace normalised.
 */
export interface SurfaceSnapshot {
  readonly formatVersion: 1;
  /** The selected tables (DMS's own left out), by schema and name. */
  readonly tables: readonly TableSurface[];
  /** Every partition below a selected partitioned table, and every selected table that is a partition. */
  readonly partitions: readonly PartitionSurface[];
  /** The sequences of the schema snapshot (owned by, or called by, the selected tables; of their schemas). */
  readonly sequences: readonly OwnedSurface[];
  /** The schemas holding a selected table. */
  readonly schemas: readonly SchemaSurface[];
  /**
   * Functions and procedures of those schemas, and those the selected tables' defaults,
   * constraints, triggers and policies call wherever they live. Not extension members.
   */
  readonly functions: readonly FunctionSurface[];
}

export const SURFACE_FORMAT_VERSION = 1;

export interface RelationName {
  readonly schema: string;
  readonly name: string;
}

/** Schema and name joined by NUL, which no identifier contains: a map key that `a.b` + `c` and `a` + `b.c` cannot share. */
export function relationKey(r: RelationName): string {
  return `${r.schema}\u0000${r.name}`;
}

/**
 * Privileges by grantee (`PUBLIC` for everyone), each as `INSERT` or `INSERT WITH GRANT OPTION`,
 * sorted. An object with no ACL has its default one (acldefault: its owner holds everything, and
 * PUBLIC holds EXECUTE on functions), so "never granted" and "granted as by default" compare equal.
 * The grantor is left out: who granted differs between databases built by different admins.
 */
export type Acl = Readonly<Record<string, readonly string[]>>;

export interface OwnedSurface {
  readonly schema: string;
  readonly name: string;
  readonly owner: string;
  readonly acl: Acl;
}

export interface TableSurface extends OwnedSurface {
  /** Column privileges, for the columns that have any (pg_attribute.attacl), by column name. */
  readonly columnAcls: Readonly<Record<string, Acl>>;
  /** ALTER TABLE ... ENABLE ROW LEVEL SECURITY (pg_class.relrowsecurity). */
  readonly rowSecurity: boolean;
  /** ... FORCE ROW LEVEL SECURITY: the policies bind the table's owner too (relforcerowsecurity). */
  readonly forceRowSecurity: boolean;
  /** By name. */
  readonly policies: readonly PolicySurface[];
  /** pg_get_partkeydef of a partitioned table (`RANGE (created_at)`); null for an ordinary one. */
  readonly partitionKey: string | null;
}

export interface PolicySurface {
  readonly name: string;
  readonly permissive: boolean;
  /** `all`, `select`, `insert`, `update` or `delete`. */
  readonly command: string;
  /** Sorted; `public` for PUBLIC. */
  readonly roles: readonly string[];
  /** pg_get_expr of USING; null when none. */
  readonly using: string | null;
  /** pg_get_expr of WITH CHECK; null when none. */
  readonly withCheck: string | null;
}

export interface PartitionSurface {
  readonly schema: string;
  readonly name: string;
  /** The table it is a partition of. */
  readonly parent: RelationName;
  /** pg_get_expr(relpartbound): `FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')`, `DEFAULT`. */
  readonly bound: string;
  /** Its own partition key when it is partitioned again; null for a leaf. */
  readonly partitionKey: string | null;
}

export interface SchemaSurface {
  readonly name: string;
  readonly owner: string;
  readonly acl: Acl;
}

export interface FunctionSurface extends OwnedSurface {
  /** pg_get_function_identity_arguments: `p_id integer, p_note text`. */
  readonly arguments: string;
  readonly kind: 'function' | 'procedure';
  /** pg_get_functiondef (signature, result, language, volatility, security, settings and body), whitespace normalised. */
  readonly definition: string;
  /** The selected tables whose defaults, constraints, triggers or policies call it; not compared. */
  readonly usedBy: readonly RelationName[];
}

/** `function public.f(integer, text)` / `procedure app.close_day(d date)`: how a difference names it. */
export function functionObject(f: Pick<FunctionSurface, 'kind' | 'schema' | 'name' | 'arguments'>): string {
  return `${f.kind} ${f.schema}.${f.name}(${f.arguments})`;
}

/**
 * The surface limited to what a narrower schema snapshot keeps: its tables (and their partitions,
 * at any depth), its sequences, the schemas of its tables, and the functions of those schemas or
 * used by its tables. Applied to both sides of a drift check alike.
 */
export function restrictSurface(
  surface: SurfaceSnapshot,
  kept: { readonly tables: readonly RelationName[]; readonly sequences: readonly RelationName[] },
  /** Functions kept besides, by schema and name: those the other side keeps. */
  alsoFunctions: readonly RelationName[] = [],
): SurfaceSnapshot {
  const functions = new Set(alsoFunctions.map(relationKey));
  const tables = new Set(kept.tables.map(relationKey));
  const schemas = new Set(kept.tables.map((t) => t.schema));
  const sequences = new Set(kept.sequences.map(relationKey));
  // A partition is kept when it is a kept table or its parent is kept (at any depth: repeat until stable).
  const partitions = new Set<string>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of surface.partitions) {
      const [self, parent] = [relationKey(p), relationKey(p.parent)];
      if (!partitions.has(self) && (tables.has(self) || tables.has(parent) || partitions.has(parent))) {
        partitions.add(self);
        grew = true;
      }
    }
  }
  return {
    ...surface,
    tables: surface.tables.filter((t) => tables.has(relationKey(t))),
    partitions: surface.partitions.filter((p) => partitions.has(relationKey(p))),
    sequences: surface.sequences.filter((s) => sequences.has(relationKey(s))),
    schemas: surface.schemas.filter((s) => schemas.has(s.name)),
    functions: surface.functions.filter((f) => schemas.has(f.schema) || f.usedBy.some((t) => tables.has(relationKey(t))) || functions.has(relationKey(f))),
  };
}
