import type { DriftReport } from '../shared/drift/reports';
import type { MigrationConfig } from '../shared/migration-config';
import type { Notification } from '../shared/notifier';

/** Differences listed in a notification; the report has them all. */
const LISTED = 20;

/** The `drift-changed` notification: what differs now, against what it was at the previous check. */
export function driftNotification(migration: MigrationConfig, report: DriftReport, previous: DriftReport | undefined): Notification {
  const against = report.mode === 'snapshot-target' ? 'the schema snapshot taken at cutover' : 'the source';
  const n = report.differences.length;
  const before = previous === undefined ? 'no earlier check' : `${previous.differences.length} at the previous check (${previous.checkedAt})`;
  const lines = report.differences.slice(0, LISTED).map((d) => `- [${d.severity}] ${d.kind} ${d.object}: ${show(d.source)} -> ${show(d.target)}`);
  if (n > LISTED) lines.push(`- ... and ${n - LISTED} more (the drift report in the checkpoint table lists them all)`);
  const kinds = Object.entries(report.counts.byKind).map(([k, c]) => `${k} ${c}`).join(', ');
  return {
    migrationId: migration.id,
    event: 'drift-changed',
    subject: n === 0 ? `Ferry ${migration.id}: drift resolved` : `Ferry ${migration.id}: drift changed, ${n} difference${n === 1 ? '' : 's'}`,
    message:
      (n === 0
        ? `The target of migration "${migration.id}" matches ${against} again (there were ${before}).`
        : `The target of migration "${migration.id}" differs from ${against}: ${n} difference${n === 1 ? '' : 's'} (${kinds}); ${before}.\n\n${lines.join('\n')}`) +
      (report.incomplete.length > 0 ? `\n\nData of ${report.incomplete.length} table(s) was not compared in time: ${report.incomplete.slice(0, 10).join(', ')}.` : '') +
      `\n\nReproduce with: npm run ferry -- drift ${report.mode === 'snapshot-target' ? '--snapshot <file from the schema-snapshot report>' : '--source <url>'} --target <url>`,
  };
}

function show(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
