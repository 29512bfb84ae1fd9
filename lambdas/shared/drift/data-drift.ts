import { compareData } from '../compare/data/compare';
import type { KeyObject, TableComparison } from '../compare/data/types';
import type { SchemaSnapshot } from '../compare/schema';
import { ALL_USER_TABLES, type TableSelection } from '../compare/table-patterns';
import type { Database } from '../pg/connection';
import type { TableName } from '../pg/identifiers';
import { canonicalJson } from './fingerprint';
import type { DriftDataCoverage, DriftDifference } from './types';

/** Keys named in a data difference's detail. */
export const DETAIL_KEYS = 5;
/** Notes kept in the coverage (the report is stored as one item). */
const MAX_NOTES = 50;
/** A whole row named in a detail (keyless tables) is cut to this many characters. */
const MAX_KEY_TEXT = 200;

export interface DataDriftOptions {
  readonly mode: 'sample' | 'full';
  readonly selection: TableSelection | undefined;
  readonly sampleSegments: number;
  readonly deadline?: number;
  readonly settleMs: number;
  /** For `sample`'s draw. @default Math.random */
  readonly random?: () => number;
}

export interface DataDrift {
  readonly differences: DriftDifference[];
  readonly incomplete: string[];
  readonly coverage: DriftDataCoverage;
}

/**
 * The rows of the tables both schemas have (a table on one side only is the schema's
 * `table-missing` / `table-extra`, and counting its rows would read it whole for nothing), as
 * `data-rows-missing` / `-extra` / `-changed` per table. `sample` compares `sampleSegments`
 * segments of each table, drawn at random (CompareDataOptions.segmentSample).
 */
export async function dataDrift(
  source: Database,
  target: Database,
  schemas: { readonly source: SchemaSnapshot; readonly target: SchemaSnapshot },
  options: DataDriftOptions,
): Promise<DataDrift> {
  const inTarget = new Set(schemas.target.tables.map((t) => `${t.schema}\u0000${t.name}`));
  const only: TableName[] = schemas.source.tables
    .filter((t) => inTarget.has(`${t.schema}\u0000${t.name}`))
    .map((t) => ({ schema: t.schema, name: t.name }));
  const comparison = await compareData(source, target, {
    selection: { ...(options.selection ?? ALL_USER_TABLES), only },
    maxKeys: DETAIL_KEYS,
    settleMs: options.settleMs,
    ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
    ...(options.mode === 'sample' ? { segmentSample: options.sampleSegments, ...(options.random ? { random: options.random } : {}) } : {}),
  });
  const notes = comparison.tables.flatMap((t) => t.warnings.map((w) => `${t.table}: ${w}`));
  const sampled = comparison.tables.map((t) => t.sampled ?? { segments: 0, of: 0 });
  return {
    differences: comparison.tables.flatMap(tableDifferences),
    incomplete: [...comparison.pending],
    coverage: {
      mode: options.mode,
      compared: true,
      tables: comparison.tables.length,
      rows: comparison.tables.reduce((sum, t) => sum + t.rows, 0),
      ...(options.mode === 'sample'
        ? { segments: { compared: sampled.reduce((n, s) => n + s.segments, 0), planned: sampled.reduce((n, s) => n + s.of, 0) } }
        : {}),
      notes: capNotes(notes),
    },
  };
}

/** What the coverage says when data was asked for in snapshot mode. */
export function snapshotCoverage(mode: 'sample' | 'full'): DriftDataCoverage {
  return {
    mode,
    compared: false,
    tables: 0,
    rows: 0,
    notes: [`data not compared: a schema snapshot holds no rows, so only the schema and the target's sequences are checked after cutover`],
  };
}

function tableDifferences(t: TableComparison): DriftDifference[] {
  const object = `table ${t.table}`;
  const out: DriftDifference[] = [];
  const listed = (keys: readonly KeyObject[], total: number) => {
    const shown = keys.map((k) => truncate(canonicalJson(k))).sort();
    return `${shown.join(', ')}${total > shown.length ? `, and ${total - shown.length} more` : ''}`;
  };
  const rows = (n: number) => `${n} row${n === 1 ? '' : 's'}`;
  if (t.missingTotal > 0) {
    out.push({
      kind: 'data-rows-missing',
      object,
      source: { rows: t.missingTotal },
      target: null,
      severity: 'error',
      detail: `${rows(t.missingTotal)} of the source not on the target: ${listed(t.missing, t.missingTotal)}`,
    });
  }
  if (t.extraTotal > 0) {
    out.push({
      kind: 'data-rows-extra',
      object,
      source: null,
      target: { rows: t.extraTotal },
      severity: 'error',
      detail: `${rows(t.extraTotal)} on the target not in the source: ${listed(t.extra, t.extraTotal)}`,
    });
  }
  if (t.changedTotal > 0) {
    const shown = t.changed
      .map((c) => `${truncate(canonicalJson(c.key))}${c.columns.length > 0 ? ` (${c.columns.join(', ')})` : ''}`)
      .sort();
    const more = t.changedTotal > shown.length ? `, and ${t.changedTotal - shown.length} more` : '';
    out.push({
      kind: 'data-rows-changed',
      object,
      source: { rows: t.changedTotal },
      target: { rows: t.changedTotal },
      severity: 'error',
      detail: `${rows(t.changedTotal)} with other values on the target: ${shown.join(', ')}${more}`,
    });
  }
  return out;
}

function truncate(text: string): string {
  return text.length <= MAX_KEY_TEXT ? text : `${text.slice(0, MAX_KEY_TEXT - 3)}...`;
}

function capNotes(notes: readonly string[]): string[] {
  if (notes.length <= MAX_NOTES) return [...notes];
  return [...notes.slice(0, MAX_NOTES - 1), `and ${notes.length - MAX_NOTES + 1} more notes`];
}
