import { RUN_POINTER_KIND, type RunPointer } from '../shared/catalog/reports';
import type { CheckpointStore } from '../shared/checkpoints';

export { RUN_POINTER_KIND, type RunPointer };

/**
 * A migration's current run lives longer than ordinary reports (30 days): a migration may wait in
 * `ready` for months before its cutover, and a migrate execution started then should still resume
 * the same run rather than repeat the preflight and every comparison.
 */
const RUN_POINTER_TTL_DAYS = 365;

export interface ResolvedRun {
  readonly runId: string;
  /** True when this execution continues a run an earlier execution started. */
  readonly resumed: boolean;
}

/**
 * The run this execution works on: the migration's current run, or a new one when there is none
 * or `restart` asks for it. The new run id is derived from the execution name, so a retried
 * validation of the same execution finds its own pointer and returns the same id.
 */
export async function resolveRun(
  store: CheckpointStore,
  request: { readonly migrationId: string; readonly executionId: string; readonly executionName: string; readonly restart: boolean; readonly now: number },
): Promise<ResolvedRun> {
  const newRunId = `migrate-${request.migrationId}-${request.executionName}`;
  const current = (await store.latestReport(request.migrationId, RUN_POINTER_KIND))?.report;
  if (current !== undefined && current.runId === newRunId) return { runId: newRunId, resumed: false };
  if (current !== undefined && !request.restart) return { runId: current.runId, resumed: true };
  const pointer: RunPointer = { runId: newRunId, executionId: request.executionId, startedAt: new Date(request.now).toISOString() };
  await store.putReport(request.migrationId, RUN_POINTER_KIND, pointer, { ttlDays: RUN_POINTER_TTL_DAYS });
  return { runId: newRunId, resumed: false };
}
