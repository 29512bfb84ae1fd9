import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import { driftStep, type DriftOutput } from './step';

export async function handler(event: unknown): Promise<DriftOutput> {
  const output = await driftStep(event, awsRuntime());
  logger.info('drift', { output });
  return output;
}
