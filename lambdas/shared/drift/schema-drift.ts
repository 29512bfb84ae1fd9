import { diffSchemas, readSchemaSnapshot, type ReadSchemaOptions, type SchemaSnapshot } from '../compare/schema';
import { compileSelection, type TableSelection } from '../compare/table-patterns';
import type { Database } from '../pg/connection';
import { diffSurface } from './diff-surface';
import { withoutDmsObjects } from './dms';
import { canonicalJson, sortDifferences } from './fingerprint';
import { nextvalTarget, splitQualifiedName } from './names';
import { readSurface } from './read-surface';
import { relationKey, restrictSurface, SURFACE_FORMAT_VERSION, type RelationName, type SurfaceSnapshot } from './surface';
import type { DriftDifference, DriftSides, DriftSnapshot } from './types';

/** Both sides' schemas, limited the same way, without AWS DMS's own tables (dms.ts). */
export interface SchemaSides {
  readonly mode: 'source-target' | 'snapshot-target';
  readonly source: SchemaSnapshot;
  readonly target: SchemaSnapshot;
  /** Both sides' surfaces (functions, row level security, grants, owners, partitions); null when the snapshot has none. */
  readonly surfaces: { readonly source: SurfaceSnapshot; readonly target: SurfaceSnapshot } | null;
  /** What was not compared, and why. */
  readonly notes: readonly string[];
}

/** A note when a stored snapshot has no surface to compare. */
export const SURFACE_NOT_IN_SNAPSHOT =
  'functions, row level security and policies, grants, owners and partitioning were not compared: the schema snapshot ' +
  'was stored without them (by an earlier Ferry, or by `ferry snapshot`); the drift workflow\'s {"action": "snapshot"} stores one with them';

/**
 * The schema snapshot and its surface, read from one database with the selection: what the
 * cutover stores, and what drift compares the target with afterwards.
 */
export async function readDriftSnapshot(db: Pick<Database, 'withClient'>, options: ReadSchemaOptions = {}): Promise<DriftSnapshot> {
  const snapshot = await readSchemaSnapshot(db, options);
  return { ...snapshot, surface: await readSurface(db, withoutDmsObjects(snapshot)) };
}

/** One database's schema, without DMS's tables, and its surface (with `alsoFunctions`, see readSurface). */
async function readSide(db: Pick<Database, 'withClient'>, selection: TableSelection | undefined, surface: false | { alsoFunctions: readonly RelationName[] }) {
  const schema = withoutDmsObjects(await readSchemaSnapshot(db, selection === undefined ? {} : { selection }));
  return { schema, surface: surface === false ? undefined : await readSurface(db, schema, surface.alsoFunctions) };
}

/** Functions of `other` that `surface` does not have, by schema and name. */
function functionsMissingIn(surface: SurfaceSnapshot, other: SurfaceSnapshot): RelationName[] {
  const have = new Set(surface.functions.map(relationKey));
  return [...new Map(other.functions.filter((f) => !have.has(relationKey(f))).map((f) => [relationKey(f), { schema: f.schema, name: f.name }])).values()];
}

/**
 * Source-target: both databases are read with the selection. Snapshot-target: the target is read
 * with the selection, or the snapshot's own when none is given. A given selection that is not the
 * snapshot's cannot re-read the snapshot, so both sides are then cut down by the same rule
 * (restrictSnapshot, restrictSurface) to the tables both selections select: neither side then shows
 * objects the other was not asked for. DMS's control tables are left out of both sides.
 */
export async function readSchemaSides(sides: DriftSides, selection: TableSelection | undefined): Promise<SchemaSides> {
  if (!('snapshot' in sides)) {
    const none = { alsoFunctions: [] };
    const [source, target] = await Promise.all([readSide(sides.source, selection, none), readSide(sides.target, selection, none)]);
    let [sourceSurface, targetSurface] = [source.surface!, target.surface!];
    // A function in one side's scope only (used by a policy there, say) is read on the other side by name.
    const [forSource, forTarget] = [functionsMissingIn(sourceSurface, targetSurface), functionsMissingIn(targetSurface, sourceSurface)];
    [sourceSurface, targetSurface] = await Promise.all([
      forSource.length === 0 ? sourceSurface : readSurface(sides.source, source.schema, forSource),
      forTarget.length === 0 ? targetSurface : readSurface(sides.target, target.schema, forTarget),
    ]);
    return { mode: 'source-target', source: source.schema, target: target.schema, surfaces: { source: sourceSurface, target: targetSurface }, notes: [] };
  }
  const stored = sides.snapshot.selection ?? undefined;
  const chosen = selection ?? stored;
  const storedSurface = sides.snapshot.surface;
  if (storedSurface !== undefined && storedSurface.formatVersion !== SURFACE_FORMAT_VERSION) {
    throw new RangeError(`the snapshot's surface has format ${String(storedSurface.formatVersion)}; this version of Ferry reads format ${SURFACE_FORMAT_VERSION}`);
  }
  const { surface: _surface, ...storedSchema } = sides.snapshot;
  const target = await readSide(sides.target, chosen, storedSurface !== undefined && { alsoFunctions: storedSurface.functions.map((f) => ({ schema: f.schema, name: f.name })) });
  const notes = storedSurface === undefined ? [SURFACE_NOT_IN_SNAPSHOT] : [];
  let [source, targetSchema] = [withoutDmsObjects(storedSchema), target.schema];
  if (selection !== undefined && !sameSelection(selection, stored)) {
    const both = [selection, ...(stored === undefined ? [] : [stored])];
    [source, targetSchema] = [restrictSnapshot(source, both), restrictSnapshot(targetSchema, both)];
  }
  let surfaces: SchemaSides['surfaces'] = null;
  if (storedSurface !== undefined && target.surface !== undefined) {
    const kept = restrictSurface(storedSurface, source);
    surfaces = { source: kept, target: restrictSurface(target.surface, targetSchema, kept.functions) };
  }
  return { mode: 'snapshot-target', source, target: targetSchema, surfaces, notes };
}

/**
 * The schema comparison's differences (diffSchemas) and the surface's (diffSurface), sorted, without
 * the kinds in `ignore`.
 */
export function schemaDifferences(sides: Pick<SchemaSides, 'source' | 'target' | 'surfaces'>, ignore: readonly string[] = []): DriftDifference[] {
  const ignored = new Set(ignore);
  const surface = sides.surfaces === null ? [] : diffSurface({ schema: sides.source, surface: sides.surfaces.source }, { schema: sides.target, surface: sides.surfaces.target });
  return sortDifferences([...diffSchemas(sides.source, sides.target), ...surface].filter((d) => !ignored.has(d.kind)));
}

/**
 * The schema comparison's differences, without `sequence-behind` (a value comparison): before
 * cutover the target's sequences are expected to lag (logical replication carries no sequence
 * values; the cutover moves them), and after it they go their own way. Reporting it would keep
 * the drift alarm firing for the whole replication. Nothing else in the comparison depends on
 * values (sequence options and identities are definitions). `ferry compare` still reports it.
 */
export function schemaDrift(sides: SchemaSides): DriftDifference[] {
  return schemaDifferences(sides, ['sequence-behind']);
}

function sameSelection(a: TableSelection, b: TableSelection | undefined): boolean {
  const canonical = (s: TableSelection) => canonicalJson({ include: s.include, exclude: s.exclude ?? [], only: s.only ?? null });
  return b !== undefined && canonical(a) === canonical(b);
}

/**
 * A snapshot limited to the tables every selection selects, with what readSchemaSnapshot keeps
 * for them: their indexes and triggers; views, sequences and enums of their schemas; sequences
 * they own or their defaults call, and enums their columns use (directly or as arrays), wherever
 * these live; every extension. Applied to both sides alike, so what one side keeps, the other does.
 */
export function restrictSnapshot(snapshot: SchemaSnapshot, selections: readonly TableSelection[]): SchemaSnapshot {
  const matchers = selections.map(compileSelection);
  const key = (schema: string, name: string) => `${schema}\u0000${name}`;
  const tables = snapshot.tables.filter((t) => matchers.every((m) => m({ schema: t.schema, name: t.name })));
  const kept = new Set(tables.map((t) => key(t.schema, t.name)));
  const schemas = new Set(tables.map((t) => t.schema));
  const views = snapshot.views.filter((v) => schemas.has(v.schema));
  const relations = new Set([...kept, ...views.map((v) => key(v.schema, v.name))]);
  const calledSequences = new Set<string>();
  const usedTypes = new Set<string>();
  for (const column of tables.flatMap((t) => t.columns)) {
    const called = column.default === null ? undefined : nextvalTarget(column.default);
    if (called !== undefined) calledSequences.add(key(called.schema, called.name));
    const type = splitQualifiedName(column.type.replace(/(\[\])+$/, ''));
    if (type?.length === 2) usedTypes.add(key(type[0]!, type[1]!));
  }
  return {
    ...snapshot,
    tables,
    indexes: snapshot.indexes.filter((i) => relations.has(key(i.schema, i.table))),
    triggers: snapshot.triggers.filter((t) => relations.has(key(t.schema, t.table))),
    sequences: snapshot.sequences.filter(
      (s) =>
        schemas.has(s.schema) ||
        calledSequences.has(key(s.schema, s.name)) ||
        (s.ownedBy !== null && kept.has(key(s.ownedBy.schema, s.ownedBy.table))),
    ),
    enums: snapshot.enums.filter((e) => schemas.has(e.schema) || usedTypes.has(key(e.schema, e.name))),
    views,
  };
}
