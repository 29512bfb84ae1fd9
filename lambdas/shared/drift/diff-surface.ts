import { compareText, type SchemaSnapshot, type Severity } from '../compare/schema';
import { functionObject, relationKey, type Acl, type FunctionSurface, type PartitionSurface, type PolicySurface, type SurfaceSnapshot } from './surface';
import type { DriftDifference } from './types';

/**
 * The kinds of surface difference, with the schema comparison's severity rule (error: data lost
 * or rejected, or the application breaks; warning: behaviour differs; info: cosmetic). "missing"
 * is on the source and not on the target, "extra" on the target only. Nothing is reported about an
 * object whose table, sequence or column is itself missing or extra (the schema comparison says so).
 *
 * - function-missing: error (calls fail). function-extra: info. function-definition: error (another
 *   body, result, language, volatility, SECURITY DEFINER or SET: other results or rights). Object
 *   `function <schema>.<name>(<arguments>)` or `procedure ...`; values the normalised
 *   pg_get_functiondef; detail where they first differ.
 * - table-owner, sequence-owner, schema-owner, function-owner: error (the application's migrations
 *   ALTER as the owner, the owner bypasses row level security unless it is forced, SECURITY DEFINER
 *   functions and views run with the owner's rights). Values: the owners.
 * - table-grants, column-grants, sequence-grants, schema-grants, function-grants: error when a role
 *   lacks on the target a privilege it has on the source (permission denied after the switch),
 *   warning when the target only grants more. Values: the ACLs (grantee -> privileges, defaults
 *   included); detail per role. MAINTAIN (PostgreSQL 17) is left out when either side is older.
 * - row-security: error when ENABLE or FORCE ROW LEVEL SECURITY differs (rows hidden, or exposed).
 *   Values: `{enabled, forced}`.
 * - policy-missing / policy-extra / policy-definition: error (other rows visible or writable).
 *   Object `policy <schema>.<table>.<name>`; values the policy; detail what differs.
 * - partition-key: error (a partitioned table partitioned otherwise, or not at all). Values: the
 *   pg_get_partkeydef text, null for an ordinary table.
 * - partition-missing: error (rows of its range have nowhere to go, or go to the default partition).
 *   partition-extra: warning (rows are routed differently). partition-bound: error (another range,
 *   or another parent). Object `partition <schema>.<name>`; values `{parent, bound}`.
 */
export const SURFACE_DIFFERENCE_KINDS = [
  'function-missing',
  'function-extra',
  'function-definition',
  'function-owner',
  'function-grants',
  'table-owner',
  'table-grants',
  'column-grants',
  'row-security',
  'policy-missing',
  'policy-extra',
  'policy-definition',
  'partition-key',
  'partition-missing',
  'partition-extra',
  'partition-bound',
  'sequence-owner',
  'sequence-grants',
  'schema-owner',
  'schema-grants',
] as const;

export type SurfaceDifferenceKind = (typeof SURFACE_DIFFERENCE_KINDS)[number];

/** One side: its schema snapshot (to know which tables and columns exist) and its surface. */
export interface SurfaceSide {
  readonly schema: Pick<SchemaSnapshot, 'tables' | 'serverVersionNum'>;
  readonly surface: SurfaceSnapshot;
}

type Emit = (d: DriftDifference & { readonly kind: SurfaceDifferenceKind }) => void;

/** Every surface difference between two sides, sorted by object then kind. */
export function diffSurface(source: SurfaceSide, target: SurfaceSide): DriftDifference[] {
  const out: DriftDifference[] = [];
  const emit: Emit = (d) => out.push(d);
  // MAINTAIN is a privilege from PostgreSQL 17 on, which an older server can neither grant nor show.
  const drop = Math.min(source.schema.serverVersionNum, target.schema.serverVersionNum) < 170000 ? ['MAINTAIN'] : [];
  const grants = (kind: SurfaceDifferenceKind, object: string, s: Acl, t: Acl) => diffAcl(kind, object, withoutPrivileges(s, drop), withoutPrivileges(t, drop), emit);
  const owners = (kind: SurfaceDifferenceKind, object: string, s: string, t: string) => {
    if (s !== t) emit({ kind, object, source: s, target: t, severity: 'error', detail: `owned by ${s} on the source and by ${t} on the target` });
  };

  diffTables(source, target, emit, grants, owners);
  diffPartitions(source, target, emit);
  for (const [s, t] of pairs(source.surface.sequences, target.surface.sequences, relationKey).same) {
    const object = `sequence ${s.schema}.${s.name}`;
    owners('sequence-owner', object, s.owner, t.owner);
    grants('sequence-grants', object, s.acl, t.acl);
  }
  for (const [s, t] of pairs(source.surface.schemas, target.surface.schemas, (x) => x.name).same) {
    const object = `schema ${s.name}`;
    owners('schema-owner', object, s.owner, t.owner);
    grants('schema-grants', object, s.acl, t.acl);
  }
  diffFunctions(source.surface.functions, target.surface.functions, emit, grants, owners);
  return out.sort((a, b) => compareText(a.object, b.object) || compareText(a.kind, b.kind));
}

type Grants = (kind: SurfaceDifferenceKind, object: string, s: Acl, t: Acl) => void;
type Owners = (kind: SurfaceDifferenceKind, object: string, s: string, t: string) => void;

function diffTables(source: SurfaceSide, target: SurfaceSide, emit: Emit, grants: Grants, owners: Owners): void {
  const columnsOf = (side: SurfaceSide) => new Map(side.schema.tables.map((t) => [relationKey(t), new Set(t.columns.map((c) => c.name))]));
  const [sourceColumns, targetColumns] = [columnsOf(source), columnsOf(target)];
  for (const [s, t] of pairs(source.surface.tables, target.surface.tables, relationKey).same) {
    const name = `${s.schema}.${s.name}`;
    const object = `table ${name}`;
    owners('table-owner', object, s.owner, t.owner);
    grants('table-grants', object, s.acl, t.acl);
    const both = (column: string) => sourceColumns.get(relationKey(s))?.has(column) === true && targetColumns.get(relationKey(t))?.has(column) === true;
    for (const column of [...new Set([...Object.keys(s.columnAcls), ...Object.keys(t.columnAcls)])].sort(compareText).filter(both)) {
      grants('column-grants', `${name}.${column}`, s.columnAcls[column] ?? {}, t.columnAcls[column] ?? {});
    }
    if (s.rowSecurity !== t.rowSecurity || s.forceRowSecurity !== t.forceRowSecurity) {
      const state = (x: typeof s) => (x.rowSecurity ? (x.forceRowSecurity ? 'enabled and forced' : 'enabled, not forced') : x.forceRowSecurity ? 'disabled (forced, which counts once enabled)' : 'disabled');
      emit({
        kind: 'row-security',
        object,
        source: { enabled: s.rowSecurity, forced: s.forceRowSecurity },
        target: { enabled: t.rowSecurity, forced: t.forceRowSecurity },
        severity: 'error',
        detail: `row level security is ${state(s)} on the source and ${state(t)} on the target`,
      });
    }
    diffPolicies(name, s.policies, t.policies, emit);
    if (s.partitionKey !== t.partitionKey) {
      const key = (k: string | null) => (k === null ? 'not partitioned' : `partitioned by ${k}`);
      emit({ kind: 'partition-key', object, source: s.partitionKey, target: t.partitionKey, severity: 'error', detail: `${key(s.partitionKey)} on the source, ${key(t.partitionKey)} on the target` });
    }
  }
}

function diffPolicies(table: string, source: readonly PolicySurface[], target: readonly PolicySurface[], emit: Emit): void {
  const paired = pairs(source, target, (p) => p.name);
  const object = (p: PolicySurface) => `policy ${table}.${p.name}`;
  const describe = (p: PolicySurface) =>
    `${p.permissive ? 'permissive' : 'restrictive'} for ${p.command} to ${p.roles.join(', ')}` +
    `${p.using === null ? '' : ` using (${p.using})`}${p.withCheck === null ? '' : ` with check (${p.withCheck})`}`;
  for (const p of paired.missing) emit({ kind: 'policy-missing', object: object(p), source: p, target: null, severity: 'error', detail: `only the source has it: ${describe(p)}` });
  for (const p of paired.extra) emit({ kind: 'policy-extra', object: object(p), source: null, target: p, severity: 'error', detail: `only the target has it: ${describe(p)}` });
  for (const [s, t] of paired.same) {
    const fields = (['permissive', 'command', 'roles', 'using', 'withCheck'] as const).filter((f) => JSON.stringify(s[f]) !== JSON.stringify(t[f]));
    if (fields.length === 0) continue;
    const names: Record<(typeof fields)[number], string> = { permissive: 'permissive/restrictive', command: 'command', roles: 'roles', using: 'USING', withCheck: 'WITH CHECK' };
    emit({
      kind: 'policy-definition',
      object: object(s),
      source: s,
      target: t,
      severity: 'error',
      detail: `${fields.map((f) => names[f]).join(', ')} differ: on the source ${describe(s)}; on the target ${describe(t)}`,
    });
  }
}

function diffPartitions(source: SurfaceSide, target: SurfaceSide, emit: Emit): void {
  const tables = (side: SurfaceSide) => new Set(side.schema.tables.map(relationKey));
  const present = (side: SurfaceSide) => new Set([...tables(side), ...side.surface.partitions.map(relationKey)]);
  const [sourceTables, targetTables, onSource, onTarget] = [tables(source), tables(target), present(source), present(target)];
  const paired = pairs(source.surface.partitions, target.surface.partitions, relationKey);
  const object = (p: PartitionSurface) => `partition ${p.schema}.${p.name}`;
  const value = (p: PartitionSurface) => ({ parent: `${p.parent.schema}.${p.parent.name}`, bound: p.bound });
  // A selected partition that is missing is the schema comparison's table-missing; one whose parent is missing goes with it.
  const explained = (p: PartitionSurface, own: Set<string>, other: Set<string>, otherPresent: Set<string>) =>
    (own.has(relationKey(p)) && !other.has(relationKey(p))) || !otherPresent.has(relationKey(p.parent));
  for (const p of paired.missing.filter((p) => !explained(p, sourceTables, targetTables, onTarget))) {
    emit({
      kind: 'partition-missing',
      object: object(p),
      source: value(p),
      target: null,
      severity: 'error',
      detail: targetTables.has(relationKey(p))
        ? `on the target it is a table of its own, not attached as the partition of ${value(p).parent} ${p.bound}: rows of that range are rejected there (or go to a default partition)`
        : `the target has no partition of ${value(p).parent} ${p.bound}: rows of that range are rejected there (or go to a default partition)`,
    });
  }
  for (const p of paired.extra.filter((p) => !explained(p, targetTables, sourceTables, onSource))) {
    emit({ kind: 'partition-extra', object: object(p), source: null, target: value(p), severity: 'warning', detail: `only the target has a partition of ${value(p).parent} ${p.bound}` });
  }
  for (const [s, t] of paired.same) {
    const [a, b] = [value(s), value(t)];
    if (a.parent !== b.parent || a.bound !== b.bound) {
      emit({ kind: 'partition-bound', object: object(s), source: a, target: b, severity: 'error', detail: `a partition of ${a.parent} ${a.bound} on the source, of ${b.parent} ${b.bound} on the target` });
    }
    if (s.partitionKey !== t.partitionKey) {
      const key = (k: string | null) => (k === null ? 'not partitioned further' : `partitioned by ${k}`);
      emit({ kind: 'partition-key', object: object(s), source: s.partitionKey, target: t.partitionKey, severity: 'error', detail: `${key(s.partitionKey)} on the source, ${key(t.partitionKey)} on the target` });
    }
  }
}

function diffFunctions(source: readonly FunctionSurface[], target: readonly FunctionSurface[], emit: Emit, grants: Grants, owners: Owners): void {
  const paired = pairs(source, target, (f) => `${relationKey(f)}\u0000${f.arguments}`);
  for (const f of paired.missing) {
    emit({ kind: 'function-missing', object: functionObject(f), source: f.definition, target: null, severity: 'error', detail: `the target has no ${f.kind} ${f.schema}.${f.name}(${f.arguments}): calls to it fail there` });
  }
  for (const f of paired.extra) emit({ kind: 'function-extra', object: functionObject(f), source: null, target: f.definition, severity: 'info' });
  for (const [s, t] of paired.same) {
    const object = functionObject(s);
    if (s.definition !== t.definition) {
      emit({ kind: 'function-definition', object, source: s.definition, target: t.definition, severity: 'error', detail: firstDifference(s.definition, t.definition) });
    }
    owners('function-owner', object, s.owner, t.owner);
    grants('function-grants', object, s.acl, t.acl);
  }
}

/** `the definitions first differ at "...": the source has "SECURITY DEFINER ...", the target "LANGUAGE sql ..."`. */
export function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const before = a.slice(Math.max(0, i - 30), i);
  const excerpt = (s: string) => (i >= s.length ? '(nothing more)' : `"${s.slice(i, i + 50)}${s.length > i + 50 ? '…' : ''}"`);
  return `the definitions first differ after "${before}": the source has ${excerpt(a)}, the target ${excerpt(b)}`;
}

function withoutPrivileges(acl: Acl, drop: readonly string[]): Acl {
  if (drop.length === 0) return acl;
  const out: Record<string, string[]> = {};
  for (const [grantee, privileges] of Object.entries(acl)) {
    const kept = privileges.filter((p) => !drop.includes(p.replace(/ WITH GRANT OPTION$/, '')));
    if (kept.length > 0) out[grantee] = kept;
  }
  return out;
}

/** Per grantee: what the target lacks (error) and what it adds (warning). */
function diffAcl(kind: SurfaceDifferenceKind, object: string, source: Acl, target: Acl, emit: Emit): void {
  const lacks: string[] = [];
  const adds: string[] = [];
  for (const grantee of [...new Set([...Object.keys(source), ...Object.keys(target)])].sort(compareText)) {
    const [s, t] = [source[grantee] ?? [], target[grantee] ?? []];
    const missing = s.filter((p) => !t.includes(p));
    const extra = t.filter((p) => !s.includes(p));
    if (missing.length > 0) lacks.push(`${grantee} lacks ${missing.join(', ')}`);
    if (extra.length > 0) adds.push(`${grantee} also has ${extra.join(', ')}`);
  }
  if (lacks.length === 0 && adds.length === 0) return;
  const severity: Severity = lacks.length > 0 ? 'error' : 'warning';
  emit({ kind, object, source, target, severity, detail: `on the target ${[...lacks, ...adds].join('; ')}` });
}

/** Items matched by key: on both sides, only on the source, only on the target. */
function pairs<T>(source: readonly T[], target: readonly T[], key: (item: T) => string): { same: [T, T][]; missing: T[]; extra: T[] } {
  const byKey = new Map(target.map((t) => [key(t), t]));
  const same: [T, T][] = [];
  const missing: T[] = [];
  for (const s of source) {
    const t = byKey.get(key(s));
    if (t === undefined) missing.push(s);
    else {
      same.push([s, t]);
      byKey.delete(key(s));
    }
  }
  return { same, missing, extra: [...byKey.values()] };
}
