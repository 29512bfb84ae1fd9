import { z } from 'zod';
import type { Lease } from '../shared/checkpoints';
import { parseInput } from '../shared/input';
import type { StepRuntime } from '../shared/runtime';
import { LeaseSchema } from '../shared/workflow-schemas';

/** At most a week: longer than any workflow's timeout, short enough that a lost lock comes back. */
const MAX_LEASE_SECONDS = 7 * 86_400;

export const LockInputSchema = z.discriminatedUnion(
  'action',
  [
    z.strictObject({
      action: z.literal('acquire'),
      migrationId: z.string().min(1, 'is required'),
      /** The execution ARN: who holds the lock, and who may release it. */
      owner: z.string().min(1, 'is required'),
      leaseSeconds: z.number().int().min(1).max(MAX_LEASE_SECONDS),
    }),
    z.strictObject({
      action: z.literal('release'),
      migrationId: z.string().min(1, 'is required'),
      lease: LeaseSchema,
    }),
  ],
  { error: (issue) => (issue.code === 'invalid_union' ? "action must be 'acquire' or 'release'" : undefined) },
);

export type LockOutput = Lease | { readonly released: boolean };

/**
 * The migration lock, one workflow at a time:
 * - `acquire` returns the lease, or throws LockHeldError (naming the holder and its expiry) while
 *   another owner holds it. The same owner acquiring again (a Lambda retry whose first attempt
 *   landed) gets its lease back with the same fencing token, extended.
 * - `release` returns `{released: false}`, changing nothing, when the lease no longer holds the
 *   lock (expired and taken over, or released already): only the holder can release.
 */
export async function lockStep(event: unknown, runtime: StepRuntime): Promise<LockOutput> {
  const input = parseInput(LockInputSchema, event);
  if (input.action === 'acquire') {
    // An unknown migration must not get a lock (and so a STATE item) in the table.
    runtime.migration(input.migrationId);
    return runtime.store.acquire(input.migrationId, input.owner, input.leaseSeconds * 1000);
  }
  return { released: await runtime.store.release(input.migrationId, input.lease) };
}
