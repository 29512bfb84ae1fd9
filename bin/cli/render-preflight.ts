import type { PreflightReport } from '../../lambdas/shared/preflight/run-preflight';

const MARKS = { error: 'ERROR', warning: 'WARN ', info: 'info ', ok: 'ok   ' } as const;
const OBJECTS_SHOWN = 10;

/** The human form of a preflight report: one block per check, errors first. */
export function renderPreflight(report: PreflightReport): string {
  const order = { error: 0, warning: 1, info: 2, ok: 3 } as const;
  const checks = [...report.checks].sort((a, b) => order[a.severity] - order[b.severity]);
  const width = Math.max(...checks.map((c) => c.id.length));
  const out: string[] = [`Preflight for the ${report.engine} engine: ${report.checks.length} checks`];
  for (const c of checks) {
    const waived = c.waived ? ' (waived)' : '';
    out.push(`  ${MARKS[c.severity]} ${c.id.padEnd(width)}  ${c.message}${waived}`);
    if (c.severity !== 'ok' && c.objects.length > 0) {
      const shown = c.objects.slice(0, OBJECTS_SHOWN).join(', ');
      const more = c.objects.length > OBJECTS_SHOWN ? ` and ${c.objects.length - OBJECTS_SHOWN} more` : '';
      out.push(`  ${' '.repeat(5)} ${' '.repeat(width)}  objects: ${shown}${more}`);
    }
  }
  const count = (s: string) => report.checks.filter((c) => c.severity === s).length;
  const verdict = report.passed ? 'ready' : `NOT READY (blocking: ${report.blocking.join(', ')})`;
  out.push('', `Result: ${verdict}; ${count('error')} error, ${count('warning')} warning, ${count('info')} info, ${count('ok')} ok`);
  if (report.waived.length > 0) out.push(`Waived: ${report.waived.join(', ')}`);
  return `${out.join('\n')}\n`;
}
