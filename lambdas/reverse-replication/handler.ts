import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import { reverseReplicationStep, type ReverseReplicationOutput } from './step';

export async function handler(event: unknown): Promise<ReverseReplicationOutput> {
  const output = await reverseReplicationStep(event, awsRuntime());
  logger.info('reverse replication', { output });
  return output;
}
