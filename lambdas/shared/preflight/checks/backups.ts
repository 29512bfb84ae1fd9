import type { BackupState, RdsDatabase, RestorePoints } from '../../restore-points/rds';
import type { CheckOutcome, PreflightCheck, Severity, Side } from '../check';
import { sentences, worst } from '../text';

/** What the backups check knows of each database: its RDS identity, if configured, and how to ask RDS. */
export interface BackupContext {
  readonly source?: RdsDatabase;
  readonly target?: RdsDatabase;
  /** @default none: RDS cannot be asked (the CLI on a laptop) */
  readonly rds?: RestorePoints;
}

type Finding =
  | { readonly side: Side; readonly db?: undefined }
  | { readonly side: Side; readonly db: RdsDatabase; readonly state: BackupState }
  | { readonly side: Side; readonly db: RdsDatabase; readonly error: string }
  | { readonly side: Side; readonly db: RdsDatabase; readonly unasked: true };

const name = (db: RdsDatabase) => `${db.kind === 'instance' ? 'RDS instance' : 'Aurora cluster'} ${db.id}`;

function severityOf(f: Finding): Severity {
  if (f.db === undefined || 'unasked' in f) return 'warning';
  if ('error' in f) return 'error';
  return f.state.retentionDays > 0 ? 'ok' : 'error';
}

function sentenceOf(f: Finding): string {
  if (f.db === undefined) {
    return (
      `The ${f.side} names no rdsInstanceId or rdsClusterId, so Ferry cannot check its backups or take a snapshot before the cutover: ` +
      `make sure you can restore it (your backup tool, or a pg_dump) before you cut over, or name its RDS identifier in the config.`
    );
  }
  if ('unasked' in f) return `The ${f.side} is the ${name(f.db)}; its backups were not checked (no RDS access here; the deployed preflight checks them).`;
  if ('error' in f) return `The backups of the ${f.side} (${name(f.db)}) could not be read: ${f.error}`;
  if (f.state.retentionDays === 0) {
    return (
      `The ${f.side} (${name(f.db)}) has automated backups OFF (backup retention 0 days), so point-in-time recovery is off too: ` +
      `turn them on (aws rds modify-${f.db.kind === 'instance' ? 'db-instance --db-instance-identifier' : 'db-cluster --db-cluster-identifier'} ${f.db.id} ` +
      `--backup-retention-period 7 --apply-immediately) before migrating.`
    );
  }
  return (
    `The ${f.side} (${name(f.db)}) keeps automated backups for ${f.state.retentionDays} day(s), with point-in-time recovery` +
    `${f.state.latestRestorableTime ? ` up to ${f.state.latestRestorableTime}` : ''}.`
  );
}

export function backupsResult(findings: readonly Finding[]): CheckOutcome {
  const severity = worst(findings.map(severityOf));
  return {
    severity,
    message: sentences(...findings.map(sentenceOf)),
    objects: findings.filter((f) => severityOf(f) !== 'ok').map((f) => (f.db ? `${f.side}:${f.db.id}` : f.side)),
  };
}

/** Automated backups and point-in-time recovery on both databases, where they are RDS or Aurora. */
export const backups: PreflightCheck = {
  id: 'backups',
  title: 'Automated backups and point-in-time recovery are on for both databases (RDS and Aurora)',
  databases: [],
  async run(ctx) {
    const findings: Finding[] = [];
    for (const side of ['source', 'target'] as const) {
      const db = ctx.backups?.[side];
      if (db === undefined) findings.push({ side });
      else if (ctx.backups?.rds === undefined) findings.push({ side, db, unasked: true });
      else {
        try {
          findings.push({ side, db, state: await ctx.backups.rds.backupState(db) });
        } catch (error) {
          findings.push({ side, db, error: (error as Error).message });
        }
      }
    }
    return backupsResult(findings);
  },
};
