import { createHash } from 'node:crypto';
import { z } from 'zod';
import { RESTORE_POINTS_KIND, type RestorePoint } from '../shared/catalog/reports';
import { migrationId, runId } from '../shared/workflow-schemas';
import { parseInput } from '../shared/input';
import { snapshotPlan, type MigrationConfig } from '../shared/migration-config';
import { RestorePointFailedError, snapshotNamePrefix, type SnapshotState } from '../shared/restore-points/rds';
import type { StepRuntime } from '../shared/runtime';
import { RestorePointTimeoutError } from './errors';

/**
 * `{"action": "create", "migrationId", "runId"}`: start the snapshots the migration's `backup`
 * asks for. `{"action": "check", ..., "deadline"}`: look at them again until each is available.
 */
export const RestorePointsInputSchema = z.discriminatedUnion(
  'action',
  [
    z.strictObject({ action: z.literal('create'), migrationId, runId }),
    z.strictObject({ action: z.literal('check'), migrationId, runId, deadline: z.number().int().min(0) }),
  ],
  { error: (issue) => (issue.code === 'invalid_union' ? "action must be 'create' or 'check'" : undefined) },
);

export type { RestorePoint };

export interface RestorePointsOutput {
  /** True once every snapshot is available (or none was asked for). */
  readonly done: boolean;
  /** Epoch ms past which `check` gives up (backup.maxWaitMinutes after `create`). */
  readonly deadline: number;
  readonly points: readonly RestorePoint[];
  /** One line for the phase change's reason and the notification. */
  readonly summary: string;
}

export { RESTORE_POINTS_KIND };

/** Manual snapshot ids: per migration, database and cutover run, the same for every retry of that run. */
export function snapshotIdFor(migrationIdValue: string, side: 'source' | 'target', run: string): string {
  const hash = createHash('sha256').update(run).digest('hex').slice(0, 12);
  return `${snapshotNamePrefix(migrationIdValue)}${side}-${hash}`;
}

/**
 * Restore points before a cutover freezes anything: a manual snapshot of the source (and of the
 * target when asked), waited for until available, within backup.maxWaitMinutes. A snapshot RDS
 * refuses (quota, unknown database, access) or one still creating at the deadline stops the
 * cutover before the freeze (RestorePointFailedError, RestorePointTimeoutError).
 */
export async function restorePointsStep(event: unknown, runtime: StepRuntime): Promise<RestorePointsOutput> {
  const input = parseInput(RestorePointsInputSchema, event);
  const migration = runtime.migration(input.migrationId);
  const plan = snapshotPlan(migration);
  const tags = { 'ferry:migration': migration.id, 'ferry:run': input.runId.slice(0, 256) };
  const deadline = input.action === 'check' ? input.deadline : runtime.now() + migration.backup.maxWaitMinutes * 60_000;
  const points: RestorePoint[] = [];
  for (const entry of plan) {
    const db = { kind: entry.kind, id: entry.id };
    const snapshotId = snapshotIdFor(migration.id, entry.side, input.runId);
    const state: SnapshotState =
      input.action === 'create' ? await runtime.restorePoints.createSnapshot(db, snapshotId, tags) : await runtime.restorePoints.snapshotState(db, snapshotId);
    points.push({ side: entry.side, kind: entry.kind, database: entry.id, ...state });
  }
  const failed = points.filter((p) => p.status !== 'available' && p.status !== 'creating' && p.status !== 'copying' && p.status !== 'pending');
  if (failed.length > 0) {
    throw new RestorePointFailedError(
      `${failed.map((p) => `Snapshot ${p.snapshotId} of the ${p.side} (${p.database}) is "${p.status}"`).join('; ')}. Nothing was frozen; ` +
        `find out why in the RDS console, then start the cutover again.`,
    );
  }
  const done = points.every((p) => p.status === 'available');
  if (!done && runtime.now() > deadline) throw new RestorePointTimeoutError(migration, points);
  const output: RestorePointsOutput = { done, deadline, points, summary: summaryOf(migration, points, done) };
  if (done) await runtime.store.putReport(migration.id, RESTORE_POINTS_KIND, { runId: input.runId, points });
  return output;
}

function summaryOf(migration: MigrationConfig, points: readonly RestorePoint[], done: boolean): string {
  if (points.length === 0) {
    return migration.source.rdsInstanceId === undefined && migration.source.rdsClusterId === undefined
      ? 'no snapshot: the source names no RDS instance or Aurora cluster (take your own restore point)'
      : 'no snapshot: backup.snapshotBeforeCutover is false';
  }
  const each = points.map((p) => `${p.side} ${p.arn ?? p.snapshotId}${done ? '' : ` (${p.status}${p.percentProgress === undefined ? '' : `, ${p.percentProgress}%`})`}`);
  const text = `${done ? 'snapshots available' : 'snapshots in progress'}: ${each.join(', ')}`;
  return text.length <= 400 ? text : `${text.slice(0, 380)}... (report ${RESTORE_POINTS_KIND})`;
}
