import { z } from 'zod';

/**
 * A lock lease as the lock step returns it (`owner`, fencing `token`, `expiresAt` in epoch ms).
 * Workflows keep it in `$.lease` and hand it to every step that writes under the lock.
 */
export const LeaseSchema = z.strictObject({
  owner: z.string().min(1, 'is required'),
  token: z.number().int().min(1),
  expiresAt: z.number().int().min(0),
});
