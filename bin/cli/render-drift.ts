import { compareText } from '../../lambdas/shared/compare/schema';
import type { DriftDataCoverage, DriftDifference, DriftResult } from '../../lambdas/shared/drift/types';

/** The document `--json` prints: each difference as {kind, object, source, target, severity}, nothing more. */
export function driftJson(result: DriftResult): {
  differences: Array<{ kind: string; object: string; source: unknown; target: unknown; severity: string }>;
} {
  return { differences: result.differences.map(({ kind, object, source, target, severity }) => ({ kind, object, source, target, severity })) };
}

/** Past this width a difference's two values go on lines of their own. */
const ONE_LINE_MAX = 160;

/** Object names with a kind prefix (`table public.orders`); a name without one is a column (`public.orders.note`). */
const PREFIXES = ['materialized view', 'table', 'constraint', 'trigger', 'policy', 'index', 'sequence', 'enum', 'extension', 'view', 'function', 'procedure', 'schema', 'partition'];

/**
 * The heading a difference is listed under: its table for columns, constraints and triggers
 * (their names say which table), else the object itself. Indexes name no table, so they stand alone.
 */
export function driftGroup(object: string): string {
  const prefix = PREFIXES.find((p) => object.startsWith(`${p} `));
  const parent = (name: string) => (name.lastIndexOf('.') > 0 ? `table ${name.slice(0, name.lastIndexOf('.'))}` : object);
  if (prefix === undefined) return parent(object);
  if (prefix === 'constraint' || prefix === 'trigger' || prefix === 'policy') return parent(object.slice(prefix.length + 1));
  return object;
}

/**
 * The human form of a drift result: differences under the object they belong to, each saying what
 * each side has, then one summary line. `sourceName` is what the left side is called: the live
 * source database, or the snapshot it was compared as.
 */
export function renderDrift(result: DriftResult, sourceName: 'source' | 'snapshot'): string {
  const groups = new Map<string, DriftDifference[]>();
  for (const d of result.differences) {
    const group = driftGroup(d.object);
    groups.set(group, [...(groups.get(group) ?? []), d]);
  }
  const kindWidth = Math.max(0, ...result.differences.map((d) => d.kind.length));
  const out: string[] = [];
  for (const group of [...groups.keys()].sort(compareText)) {
    // The object's own differences (table-missing) first, then its parts in the result's order.
    const listed = (groups.get(group) ?? []).map((d, i) => ({ d, i })).sort((a, b) => Number(b.d.object === group) - Number(a.d.object === group) || a.i - b.i);
    out.push(group);
    for (const { d } of listed) out.push(...renderDifference(d, sourceName, kindWidth));
    out.push('');
  }
  const covered = result.data === undefined ? [] : coverage(result.data);
  if (result.incomplete.length > 0) covered.push(`Data not compared in time: ${result.incomplete.join(', ')}`);
  for (const note of result.notes ?? []) covered.push(`Note: ${note}`);
  if (covered.length > 0) out.push(...covered, '');
  out.push(summary(result.differences));
  return `${out.join('\n')}\n`;
}

function renderDifference(d: DriftDifference, sourceName: string, kindWidth: number): string[] {
  const head = `  ${d.kind.padEnd(kindWidth)}  ${d.object}`;
  const severity = `[${d.severity}]`;
  // One side near its end says nothing about the other: "the source has nothing" would mislead.
  if (d.kind === 'sequence-exhaustion' && d.detail) return [`${head}: ${d.detail}   ${severity}`];
  const oneLine = `${head}: the ${sourceName} has ${show(d.source)}, the target has ${show(d.target)}   ${severity}`;
  const lines =
    oneLine.length <= ONE_LINE_MAX
      ? [oneLine]
      : [`${head}   ${severity}`, `      the ${sourceName} has: ${show(d.source)}`, `      the target has: ${show(d.target)}`];
  if (d.detail !== undefined && d.detail !== '') lines.push(`      ${d.detail}`);
  return lines;
}

/** What the data part covered, and its notes (keyless tables, data not compared with a snapshot). */
function coverage(data: DriftDataCoverage): string[] {
  const fmt = (n: number) => n.toLocaleString('en');
  const segments = data.segments === undefined ? '' : `, ${fmt(data.segments.compared)} of ${fmt(data.segments.planned)} segments`;
  const head = data.compared ? [`Data (${data.mode}): ${fmt(data.tables)} table(s)${segments}, ${fmt(data.rows)} rows compared`] : [];
  return [...head, ...data.notes.map((n) => (data.compared ? `  ${n}` : n))];
}

/** Strings quoted (so "text" and an absent value read differently), row counts in words, anything else as JSON. */
function show(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (isRowCount(value)) return `${value.rows.toLocaleString('en')} row${value.rows === 1 ? '' : 's'}`;
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

function summary(differences: readonly DriftDifference[]): string {
  if (differences.length === 0) return 'No drift.';
  const count = (s: string) => differences.filter((d) => d.severity === s).length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(differences.length, 'difference')}: ${plural(count('error'), 'error')}, ${plural(count('warning'), 'warning')}, ${count('info')} info`;
}


/** The values of data-rows-* differences: `{rows: n}`. */
function isRowCount(value: unknown): value is { rows: number } {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 1 && typeof (value as { rows?: unknown }).rows === 'number';
}
