import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import type { ReplicationStatusOutput } from './poll';
import { replicationStatusStep } from './step';

export async function handler(event: unknown): Promise<ReplicationStatusOutput> {
  const output = await replicationStatusStep(event, awsRuntime());
  logger.info('replication status', { migrationId: output.migrationId, state: output.state, tables: output.tables, lagSeconds: output.lagSeconds });
  return output;
}
