import { contextStepHandler } from '../shared/handler';
import { verifyChangesStep } from './step';

/**
 * Stops a minute before Lambda's own timeout (lib/constructs/workflows/steps.ts), so the lease is
 * released and the result stored. Follows from that timeout, so not in the config.
 */
const MARGIN_MS = 60_000;

export const handler = contextStepHandler('verify-changes', (event, runtime, context) => verifyChangesStep(event, runtime, runtime.deadline(), context?.awsRequestId), {
  safetyMarginMs: MARGIN_MS,
});
