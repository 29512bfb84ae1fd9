import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import type { SequenceSyncReport } from '../shared/cutover/sequences';
import { syncSequencesStep } from './step';

export async function handler(event: unknown): Promise<SequenceSyncReport> {
  const output = await syncSequencesStep(event, awsRuntime());
  logger.info('sequences synced', { output });
  return output;
}
