import { z } from 'zod';
import { parseInput } from '../shared/input';
import { logger } from '../shared/observability';
import { withLambdaEngine } from '../shared/replication/lambda-engine';
import { startReplication, type StartReplicationOutput } from './start';

/** `{"migrationId": "orders"}`; `"reload": true` restarts the full load (empty target tables only). */
export const StartReplicationInputSchema = z.strictObject({
  migrationId: z.string().min(1, 'is required'),
  reload: z.boolean().default(false),
});

export async function handler(event: unknown): Promise<StartReplicationOutput> {
  const input = parseInput(StartReplicationInputSchema, event);
  logger.appendKeys({ migrationId: input.migrationId });
  const output = await withLambdaEngine(input.migrationId, (engine) => startReplication(input, engine));
  logger.info('replication start requested', { action: output.action, state: output.state });
  return output;
}
