import { awsRuntime } from '../shared/aws-runtime';
import { logger } from '../shared/observability';
import type { ExecutionEndedOutput } from './release-ended';
import { executionEndedStep } from './step';

/** Target of the EventBridge rule on Step Functions "Execution Status Change" events. */
export async function handler(event: unknown): Promise<ExecutionEndedOutput> {
  const output = await executionEndedStep(event, awsRuntime());
  logger.info(output.action === 'released' ? 'released the lock of an ended execution' : 'execution status change ignored', { ...output });
  return output;
}
