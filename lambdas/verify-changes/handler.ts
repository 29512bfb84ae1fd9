import { contextStepHandler } from '../shared/handler';
import { verifyChangesStep } from './step';

/** Stops a minute before Lambda's own timeout, so the lease is released and the result stored. */
const MARGIN_MS = 60_000;

export const handler = contextStepHandler('verify-changes', (event, runtime, context) => verifyChangesStep(event, runtime, runtime.deadline(), context?.awsRequestId), {
  safetyMarginMs: MARGIN_MS,
});
