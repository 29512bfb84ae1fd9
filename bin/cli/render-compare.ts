import type { ComparisonReport } from '../../lambdas/shared/compare/compare-databases';
import type { TableComparison } from '../../lambdas/shared/compare/data/types';
import type { SchemaDifference } from '../../lambdas/shared/compare/schema';

const fmt = (n: number) => n.toLocaleString('en');
const show = (v: unknown) => (v === null || v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v));

/** The human form of a comparison: readable at a glance, every difference on its own line. */
export function renderComparison(report: ComparisonReport, different: boolean): string {
  const out: string[] = [];
  if (report.schema) out.push(...renderSchema(report.schema.differences));
  if (report.data) {
    if (out.length > 0) out.push('');
    out.push(...renderData(report.data.tables));
    if (!report.data.complete) out.push(`Unfinished (time budget): ${report.data.pending.join(', ')}`);
  }
  out.push('', `Result: ${different ? 'DIFFERENT' : 'equal'} (${(report.durationMs / 1000).toFixed(1)} s)`);
  return `${out.join('\n')}\n`;
}

function renderSchema(differences: readonly SchemaDifference[]): string[] {
  const count = (s: string) => differences.filter((d) => d.severity === s).length;
  if (differences.length === 0) return ['Schema: equal'];
  const lines = [`Schema: ${differences.length} difference(s): ${count('error')} error, ${count('warning')} warning, ${count('info')} info`];
  const kindWidth = Math.max(...differences.map((d) => d.kind.length));
  for (const d of differences) {
    lines.push(`  ${d.severity.padEnd(7)} ${d.kind.padEnd(kindWidth)}  ${d.object}`);
    lines.push(`  ${' '.repeat(7)} ${' '.repeat(kindWidth)}    source: ${show(d.source)}   target: ${show(d.target)}`);
  }
  return lines;
}

function renderData(tables: readonly TableComparison[]): string[] {
  const different = tables.filter((t) => t.status === 'different').length;
  const lines = [`Data: ${tables.length} table(s), ${different} different`];
  const nameWidth = Math.max(0, ...tables.map((t) => t.table.length));
  const rowsWidth = Math.max(0, ...tables.map((t) => fmt(t.rows).length));
  for (const t of tables) {
    const mark = t.status === 'equal' ? 'ok' : t.status === 'warning' ? ' !' : ' X';
    lines.push(`  ${mark} ${t.table.padEnd(nameWidth)}  ${fmt(t.rows).padStart(rowsWidth)} rows  ${summary(t)}`);
    for (const w of t.warnings) lines.push(`       warning: ${w}`);
    lines.push(...keys('missing', t.missing, t.missingTotal), ...keys('extra', t.extra, t.extraTotal));
    for (const c of t.changed) lines.push(`       changed  ${JSON.stringify(c.key)}  columns: ${c.columns.join(', ') || '(gone since)'}`);
    if (t.changedTotal > t.changed.length) lines.push(`       ... and ${fmt(t.changedTotal - t.changed.length)} more changed`);
  }
  return lines;
}

function summary(t: TableComparison): string {
  if (t.status !== 'different') return t.transient > 0 ? `equal (${fmt(t.transient)} transient)` : 'equal';
  const parts = [`${fmt(t.missingTotal)} missing`, `${fmt(t.extraTotal)} extra`, `${fmt(t.changedTotal)} changed`];
  if (t.transient > 0) parts.push(`${fmt(t.transient)} transient`);
  return `DIFFERENT: ${parts.join(', ')} (target has ${fmt(t.targetRows)} rows)`;
}

function keys(label: string, list: readonly unknown[], total: number): string[] {
  const lines = list.map((k) => `       ${label.padEnd(8)} ${JSON.stringify(k)}`);
  if (total > list.length) lines.push(`       ... and ${fmt(total - list.length)} more ${label}`);
  return lines;
}
