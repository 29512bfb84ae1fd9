import { z } from 'zod';
import { LeaseSchema } from '../workflow-schemas';

/** Fields every cutover and rollback step takes from the workflow's `$.run`. */
export const migrationId = z.string().min(1, 'is required');
export const runId = z.string().min(1, 'is required').max(200);
export const side = z.enum(['source', 'target'], { error: "must be 'source' or 'target'" });
/** Epoch ms by which the step must be done (a freeze's end). */
export const deadline = z.number().int().min(0);
export const lease = LeaseSchema;

export const other = (s: 'source' | 'target'): 'source' | 'target' => (s === 'source' ? 'target' : 'source');
