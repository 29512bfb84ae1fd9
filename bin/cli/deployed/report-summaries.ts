import type { ReportCatalog, ReportKind } from '../../../lambdas/shared/catalog/reports';

/**
 * One line per stored report, and whether it records a problem: what `ferry status` lists and
 * what `ferry report` exits with (1 for a problem). Kinds without an entry here are summarized by
 * their size only and never count as a problem.
 */
interface KindSummary<K extends ReportKind> {
  line(report: ReportCatalog[K]): string;
  problem(report: ReportCatalog[K]): boolean;
}

type Summaries = { readonly [K in ReportKind]?: KindSummary<K> };

/** Tables named in a one-line summary; `ferry report` shows them all. */
const NAMED = 3;

const plural = (n: number, word: string) => `${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`;

const SUMMARIES: Summaries = {
  preflight: {
    line: (r) =>
      r.passed
        ? `passed: ${plural(r.checks.length, 'check')}, ${plural(r.counts.warning, 'warning')}${r.waived.length > 0 ? `, waived ${r.waived.join(', ')}` : ''}`
        : `NOT READY: blocking ${r.blocking.join(', ')}`,
    problem: (r) => !r.passed,
  },
  'comparison-summary': {
    line: (r) => {
      const failing = r.tables.filter((t) => !t.equal || !t.complete).map((t) => `${t.table.schema}.${t.table.name}`);
      const named = failing.length > NAMED ? `${failing.slice(0, NAMED).join(', ')} and ${failing.length - NAMED} more` : failing.join(', ');
      return r.equal
        ? `equal: ${plural(r.tables.length, 'table')}, ${plural(r.rowsCompared, 'row')} compared`
        : `DIFFERENT: ${failing.length} of ${plural(r.tables.length, 'table')} differ or did not finish (${named})`;
    },
    problem: (r) => !r.equal,
  },
  comparison: {
    line: (r) => {
      const different = r.data.tables.filter((t) => t.status === 'different').length;
      return `${plural(r.data.tables.length, 'table')}, ${different} different${r.data.complete ? '' : `, unfinished (${r.data.pending.length} pending)`} (run ${r.runId})`;
    },
    problem: (r) => r.data.tables.some((t) => t.status === 'different'),
  },
  verification: {
    line: (r) => {
      if ('status' in r) return `capture ${r.captureId} LOST: ${r.reason}`;
      const what = 'frozen' in r ? 'frozen check' : `${r.round.mode} round`;
      return `${what}: ${plural(r.round.keysVerified, 'key')} verified, ${plural(r.differences.length, 'unresolved key')} (${r.round.differences} different, ${r.round.suspects} suspect)`;
    },
    problem: (r) => 'status' in r || r.differences.some((d) => d.status === 'difference'),
  },
  guardrails: {
    line: (r) => {
      const failed = r.guardrails.filter((g) => !g.passed);
      return r.passed ? `all ${plural(r.guardrails.length, 'guardrail')} passed` : `FAILED: ${failed.map((g) => `${g.id} (${g.message})`).join('; ')}`;
    },
    problem: (r) => !r.passed,
  },
  failure: {
    line: (r) => `${r.workflow} failed at ${r.at}: ${r.error}: ${r.cause} (lock ${r.lock})`,
    problem: () => true,
  },
  drift: {
    line: (r) => (r.differences.length === 0 ? `no drift (phase ${r.phase})` : `${plural(r.differences.length, 'difference')} (${r.counts.schema} schema, ${r.counts.data} data, ${r.counts.sequences} sequences; phase ${r.phase})`),
    problem: (r) => r.differences.length > 0,
  },
  'rollback-ignored': { line: (r) => `rollback "${r.reason}" ignored in phase ${r.phase}: ${r.why}`, problem: () => false },
  'finish-ignored': { line: (r) => `finish ignored in phase ${r.phase}: ${r.why}`, problem: () => false },
  finish: { line: (r) => `clients on the ${r.clientsOn}; removed ${r.removed.length}, kept ${r.kept.length}`, problem: () => false },
  'restore-points': { line: (r) => `${plural(r.points.length, 'snapshot')}: ${r.points.map((p) => `${p.side} ${p.snapshotId} (${p.status})`).join(', ')}`, problem: () => false },
  'migrate-run': { line: (r) => `run ${r.runId}, started ${r.startedAt}`, problem: () => false },
};

/** The one-line summary of a stored report of `kind`. */
export function summarizeReport(kind: string, report: unknown): string {
  const summary = (SUMMARIES as Record<string, KindSummary<ReportKind> | undefined>)[kind];
  if (summary !== undefined) return summary.line(report as never);
  return `${(JSON.stringify(report) ?? '').length.toLocaleString('en')} bytes of JSON (ferry report ${kind})`;
}

/** True when the report records something wrong: a failed preflight, differences, drift, a failed guardrail, a failure. */
export function reportRecordsProblem(kind: string, report: unknown): boolean {
  const summary = (SUMMARIES as Record<string, KindSummary<ReportKind> | undefined>)[kind];
  return summary?.problem(report as never) ?? false;
}
