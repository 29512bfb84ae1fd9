import type { CheckpointStore, VerificationLease } from '../checkpoints';

export interface FullComparison {
  readonly migrationId: string;
  /** The run id the comparison checkpointed under (one per capture). */
  readonly runId: string;
  /** Epoch ms: when its first table began reading, and when its last finished. */
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly equal: boolean;
}

/**
 * Records a full comparison in the capture it ran under, where the proof starts: "equal in a
 * full comparison that began after the capture did, and every captured change verified since".
 * A passed comparison also resolves what was unresolved before it began (it compared those rows
 * again, after they were found). Ignored when the capture is not the one the comparison ran
 * under (a comparison of an older capture proves nothing about this one).
 */
export async function recordFullComparison(store: CheckpointStore, lease: VerificationLease, c: FullComparison): Promise<boolean> {
  const record = await store.getVerification(c.migrationId);
  if (!record || record.status !== 'capturing' || !c.runId.endsWith(`:${record.captureId}`) || c.startedAt < record.startedAt) return false;
  await store.putVerification(
    {
      ...record,
      fullComparison: { runId: c.runId, startedAt: c.startedAt, finishedAt: c.finishedAt, equal: c.equal },
      ...(c.equal
        ? {
            unresolved: record.unresolved.filter((u) => u.lastSeenAt >= c.startedAt),
            tablesToCompare: record.tablesToCompare.filter((t) => t.at >= c.startedAt),
          }
        : {}),
    },
    lease,
  );
  return true;
}
