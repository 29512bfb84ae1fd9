import { z } from 'zod';
import { parseInput } from '../shared/input';
import { emfMetrics, logger } from '../shared/observability';
import { withLambdaEngine } from '../shared/replication/lambda-engine';
import { pollReplication, type ReplicationStatusOutput } from './poll';

/** `{"migrationId": "orders"}` */
export const ReplicationStatusInputSchema = z.strictObject({
  migrationId: z.string().min(1, 'is required'),
});

export async function handler(event: unknown): Promise<ReplicationStatusOutput> {
  const input = parseInput(ReplicationStatusInputSchema, event);
  logger.appendKeys({ migrationId: input.migrationId });
  const output = await withLambdaEngine(input.migrationId, (engine) => pollReplication(input.migrationId, engine, emfMetrics));
  logger.info('replication status', { state: output.state, tables: output.tables, lagSeconds: output.lagSeconds });
  return output;
}
