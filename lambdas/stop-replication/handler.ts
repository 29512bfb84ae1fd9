import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import { stopReplicationStep, type StopReplicationOutput } from './step';

export async function handler(event: unknown): Promise<StopReplicationOutput> {
  const output = await stopReplicationStep(event, awsRuntime());
  logger.info('replication stopped', { output });
  return output;
}
