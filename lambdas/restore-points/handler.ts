import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import { restorePointsStep, type RestorePointsOutput } from './step';

export async function handler(event: unknown): Promise<RestorePointsOutput> {
  const output = await restorePointsStep(event, awsRuntime());
  logger.info('restore points', { output });
  return output;
}
