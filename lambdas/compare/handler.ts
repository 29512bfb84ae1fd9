import { stepHandler } from '../shared/handler';
import { logger } from '../shared/observability';
import { compareStep } from './step';

/**
 * Leaves time to write the last checkpoint and return before Lambda's own limit (the function's
 * timeout, lib/constructs/workflows/steps.ts). Follows from that timeout, so not in the config.
 */
const SAFETY_MS = 60_000;

export const handler = stepHandler('compare', (event, runtime) => compareStep(event, runtime, runtime.deadline()), {
  safetyMarginMs: SAFETY_MS,
  log: (summary) => logger.info('comparison step finished', { migrationId: summary.migrationId, complete: summary.complete, equal: summary.equal, differences: summary.differences }),
});
