import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import type { StartReplicationOutput } from './start';
import { startReplicationStep } from './step';

export async function handler(event: unknown): Promise<StartReplicationOutput> {
  const output = await startReplicationStep(event, awsRuntime());
  logger.info('replication start requested', { migrationId: output.migrationId, action: output.action, state: output.state });
  return output;
}
