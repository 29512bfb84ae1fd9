import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import { startCaptureStep } from './step';
import type { StartCaptureResult } from '../shared/verification/capture';

export async function handler(event: unknown): Promise<StartCaptureResult> {
  const output = await startCaptureStep(event, awsRuntime());
  logger.info('change capture started', { output });
  return output;
}
