import { stepHandler } from '../shared/handler';
import { logger } from '../shared/observability';
import { executionEndedStep } from './step';

/** Target of the EventBridge rule on Step Functions "Execution Status Change" events. */
export const handler = stepHandler('execution-ended', executionEndedStep, {
  log: (output) => logger.info(output.action === 'released' ? 'released the lock of an ended execution' : 'execution status change ignored', { ...output }),
});
