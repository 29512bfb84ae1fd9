import { publishMetric } from '../catalog/metrics';
import { VERIFICATION_REPORT_KIND } from '../catalog/reports';
import type { Phase, UnresolvedKey, VerificationLease, VerificationRecord } from '../checkpoints';
import type { MigrationConfig } from '../migration-config';
import { withDatabases, type OpenDatabases, type StepRuntime } from '../runtime';
import { applyProofFor } from './applied';
import { captureWal, enforceSlotLimit } from './capture';
import { withVerificationLease } from './lease';
import { CAPTURE_WAL_METRIC_ENTRIES, VERIFICATION_METRIC_ENTRIES } from './metrics';
import { captureProblem, verificationRound, type RoundOutcome } from './round';

/**
 * A live verification round of one migration, as the schedule and the workflows run it: under
 * the verification lease, with the capture's health checked first (a missing slot, or one over
 * its WAL limit, ends the capture: `lost`), then the round, its metrics, its report and, when
 * differences appear or go, a notification.
 */

/** Phases in which scheduled rounds run: replication carries the writes and nobody else verifies. */
export const ROUND_PHASES: readonly Phase[] = ['replicating', 'ready', 'cut-over'];

export { VERIFICATION_REPORT_KIND };

export interface RunOptions {
  /** Lease owner: the execution ARN, or `schedule:<request id>`. */
  readonly owner: string;
  /** A scheduled round runs only in ROUND_PHASES and never waits for the lease (the next minute comes). */
  readonly scheduled: boolean;
  /** How long to wait for the lease (workflow rounds). */
  readonly waitMs: number;
  /** Epoch ms by which the round must be done. */
  readonly deadline: number;
  /** Tests: the DMS path's proof over native replication. */
  readonly proofMethod?: 'slot' | 'marker';
  /** Re-check suspects after the settle delay (round.ts, step 6). @default true */
  readonly recheck?: boolean;
}

export type RunOutcome =
  | { readonly migrationId: string; readonly status: 'skipped'; readonly why: string }
  | { readonly migrationId: string; readonly status: 'lost'; readonly why: string }
  | {
      readonly migrationId: string;
      readonly status: 'verified';
      readonly direction: 'forward' | 'reverse';
      readonly keysVerified: number;
      readonly suspects: number;
      readonly differences: number;
      readonly tablesToCompare: number;
      readonly resolved: number;
      readonly verifiedThrough: VerificationRecord['verifiedThrough'];
      readonly behind: boolean;
    };

/** Leases outlast the longest round: a round stops by its deadline, well before. */
const LEASE_MS = 5 * 60_000;

export async function runVerification(runtime: StepRuntime, migrationId: string, options: RunOptions): Promise<RunOutcome> {
  const migration = runtime.migration(migrationId);
  const phaseNow = async () => (await runtime.store.getState(migrationId))?.phase ?? 'new';
  const skip = (why: string): RunOutcome => ({ migrationId, status: 'skipped', why });
  if (options.scheduled && !ROUND_PHASES.includes(await phaseNow())) return skip(`phase ${await phaseNow()}: no scheduled round`);
  return withDatabases(runtime, migration, async (dbs) => {
    const outcome = await withVerificationLease<RunOutcome>(runtime.store, migrationId, { owner: options.owner, leaseMs: LEASE_MS, waitMs: options.waitMs }, async (lease) => {
      const phase = await phaseNow();
      // Checked again under the lease: a cutover that began meanwhile does its own checks.
      if (options.scheduled && !ROUND_PHASES.includes(phase)) return skip(`phase ${phase}: no scheduled round`);
      const record = await runtime.store.getVerification(migrationId);
      if (!record) return skip('no change capture yet (the migrate workflow starts it after the full load)');
      if (record.status !== 'capturing') return skip(`change capture is ${record.status}${record.lost ? `: ${record.lost.reason}` : ''}`);
      const persist = (r: VerificationRecord) => runtime.store.putVerification(r, lease);
      const lost = await healthProblem(runtime, migration, dbs, record, persist, lease);
      if (lost) return { migrationId, status: 'lost' as const, why: lost };
      const direction: 'forward' | 'reverse' = phase === 'cut-over' ? 'reverse' : 'forward';
      const round = await verificationRound(
        { migration, source: dbs.source, target: dbs.target, store: runtime.store, proof: applyProofFor(migration, direction, dbs, options.proofMethod), persist, now: runtime.now },
        {
          record,
          direction,
          mode: 'live',
          settleMs: migration.verification.settleMs,
          maxChanges: migration.verification.maxChangesPerRound,
          deadline: Math.min(options.deadline, runtime.now() + LEASE_MS - 60_000),
          recheck: options.recheck ?? true,
        },
      );
      await publish(runtime, migration, record, round);
      return {
        migrationId,
        status: 'verified' as const,
        direction,
        keysVerified: round.summary.keysVerified,
        suspects: round.summary.suspects,
        differences: round.summary.differences,
        tablesToCompare: round.record.tablesToCompare.length,
        resolved: round.resolved,
        verifiedThrough: round.record.verifiedThrough,
        behind: round.summary.behind,
      };
    });
    return outcome ?? skip('another round holds the verification lease');
  }, { max: 2 });
}

/**
 * What the replication monitor does every minute, whether or not rounds run: publish each capture
 * slot's WAL, and end a capture whose slot is gone or over its limit. Skipped (undefined) when a
 * round holds the lease: the round checks the same first.
 */
export async function guardCapture(runtime: StepRuntime, migrationId: string, owner: string): Promise<string | undefined> {
  const migration = runtime.migration(migrationId);
  if ((await runtime.store.getVerification(migrationId))?.status !== 'capturing') return undefined;
  return withDatabases(runtime, migration, async (dbs) =>
    withVerificationLease(runtime.store, migrationId, { owner, leaseMs: 60_000, waitMs: 0 }, async (lease) => {
      const record = await runtime.store.getVerification(migrationId);
      if (!record || record.status !== 'capturing') return undefined;
      return healthProblem(runtime, migration, dbs, record, (r) => runtime.store.putVerification(r, lease), lease);
    }),
  );
}

/** A slot gone or over its WAL limit ends the capture: recorded, published and notified. */
async function healthProblem(
  runtime: StepRuntime,
  migration: MigrationConfig,
  dbs: OpenDatabases,
  record: VerificationRecord,
  persist: (r: VerificationRecord) => Promise<void>,
  lease: VerificationLease,
): Promise<string | undefined> {
  const wal = await captureWal(migration, dbs);
  for (const w of wal) if (w.retainedBytes !== undefined) publishMetric(runtime.metrics, CAPTURE_WAL_METRIC_ENTRIES[w.side], w.retainedBytes, { migrationId: migration.id });
  let reason = await enforceSlotLimit({ migration, ...dbs, store: runtime.store, lease, now: runtime.now }, wal);
  if (reason === undefined) {
    reason = await captureProblem(record, dbs);
    if (reason !== undefined) await persist({ ...record, status: 'lost', lost: { reason, at: runtime.now() } });
  }
  if (reason === undefined) return undefined;
  await runtime.store.putReport(migration.id, VERIFICATION_REPORT_KIND, { captureId: record.captureId, status: 'lost', reason });
  await runtime.notifier.notify({
    migrationId: migration.id,
    event: 'capture-lost',
    subject: `Ferry ${migration.id}: change capture stopped, verification needs a new full comparison`,
    message:
      `Change capture of migration "${migration.id}" stopped: ${reason}. Ferry dropped its capture slots so that they hold no more WAL. ` +
      `Until a new full comparison has run, the cutover refuses to start (guardrail verification-current). ` +
      `To verify again, start the migrate workflow with {"migrationId": "${migration.id}", "restart": true}: it starts a new capture and compares every table. ` +
      `If rounds fell behind because of load, consider raising verification.maxSlotWalMb or verification.maxChangesPerRound.`,
  });
  return reason;
}

async function publish(runtime: StepRuntime, migration: MigrationConfig, before: VerificationRecord, round: RoundOutcome): Promise<void> {
  const dims = { migrationId: migration.id };
  const differences = round.record.unresolved.filter((u) => u.status === 'difference');
  publishMetric(runtime.metrics, VERIFICATION_METRIC_ENTRIES.differences, differences.length + round.record.tablesToCompare.filter((t) => t.reason.startsWith('compared whole')).length, dims);
  publishMetric(runtime.metrics, VERIFICATION_METRIC_ENTRIES.suspects, round.summary.suspects, dims);
  publishMetric(runtime.metrics, VERIFICATION_METRIC_ENTRIES.keysVerified, round.summary.keysVerified, dims);
  if (round.record.verifiedThrough) publishMetric(runtime.metrics, VERIFICATION_METRIC_ENTRIES.ageSeconds, (runtime.now() - round.record.verifiedThrough.at) / 1000, dims);
  const id = (u: UnresolvedKey) => `${u.table}\u0000${JSON.stringify(u.key)}`;
  const known = new Set(before.unresolved.filter((u) => u.status === 'difference').map(id));
  const fresh = differences.filter((u) => !known.has(id(u)));
  const gone = before.unresolved.filter((u) => u.status === 'difference').length - (differences.length - fresh.length);
  if (fresh.length === 0 && gone === 0) return;
  await runtime.store.putReport(migration.id, VERIFICATION_REPORT_KIND, {
    captureId: round.record.captureId,
    verifiedThrough: round.record.verifiedThrough,
    round: round.summary,
    differences: differences.slice(0, 1000),
    tablesToCompare: round.record.tablesToCompare,
  });
  if (fresh.length > 0) {
    await runtime.notifier.notify({
      migrationId: migration.id,
      event: 'verification-differences',
      subject: `Ferry ${migration.id}: ${fresh.length} row(s) differ between source and target`,
      message:
        `Continuous verification of migration "${migration.id}" found rows that replication did not make equal ` +
        `(compared again after ${migration.verification.settleMs} ms, and neither side changed them since):\n` +
        describeDifferences(fresh) +
        `\nThe cutover refuses to start until they are resolved (guardrail verification-current). Find the cause: writes made directly on ` +
        `the replica, a trigger or default firing there, a table the replication does not carry. A row is resolved when a later round finds it ` +
        `equal (fix the row, and the next round sees the change), or by a new full comparison ({"migrationId": "${migration.id}", "restart": true}). ` +
        `The 'verification' reports in the checkpoint table list them all.`,
    });
  } else {
    await runtime.notifier.notify({
      migrationId: migration.id,
      event: 'verification-resolved',
      subject: `Ferry ${migration.id}: ${differences.length === 0 ? 'no row differs any more' : `${gone} difference(s) resolved`}`,
      message: `Continuous verification of migration "${migration.id}" found ${gone} earlier difference(s) equal again; ${differences.length} remain.`,
    });
  }
}

/** One line per difference: table, key, what differs. */
export function describeDifferences(keys: readonly UnresolvedKey[], limit = 20): string {
  const lines = keys.slice(0, limit).map((u) => {
    const what = u.kind === 'missing' ? 'missing on the target' : u.kind === 'extra' ? 'only on the target' : `columns ${u.columns.join(', ') || '(row gone meanwhile)'} differ`;
    return `- ${u.table} key (${u.key.join(', ')}): ${what}`;
  });
  if (keys.length > limit) lines.push(`- ... and ${keys.length - limit} more`);
  return lines.join('\n');
}
