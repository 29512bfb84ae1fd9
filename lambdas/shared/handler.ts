import type { Context } from 'aws-lambda';
import { awsRuntime } from './aws-runtime';
import { forStepFunctions } from './errors';
import { logger } from './observability';
import { NO_DEADLINE, withDeadline, type StepRuntime } from './runtime';

/**
 * What a handler reads of Lambda's context. Lambda passes the whole Context; the handler tests
 * pass a part of it, or none (then there is no deadline and no context in the logs).
 */
export type HandlerContext = Partial<
  Pick<Context, 'awsRequestId' | 'functionName' | 'functionVersion' | 'invokedFunctionArn' | 'memoryLimitInMB' | 'getRemainingTimeInMillis'>
>;

/** A step as a handler runs it: the event and the invocation's runtime (nothing else: several steps take optional test arguments third). */
export type HandlerStep<O> = (event: unknown, runtime: StepRuntime) => Promise<O>;

/** A step that also reads Lambda's context (its request id), when there is one. */
export type ContextHandlerStep<O> = (event: unknown, runtime: StepRuntime, context: HandlerContext | undefined) => Promise<O>;

/** The Lambda handler `stepHandler` makes. */
export type StepLambdaHandler<O> = (event: unknown, context?: HandlerContext) => Promise<O>;

export interface StepHandlerOptions<O> {
  /**
   * How much earlier than Lambda's own limit `runtime.deadline()` falls: time to write the last
   * checkpoint, release a lease and return.
   * @default DEFAULT_SAFETY_MARGIN_MS
   */
  readonly safetyMarginMs?: number;
  /**
   * Logs the output, instead of one `info` line `<step>` with `{ output }` (a summary of a large
   * output, or a level that depends on it).
   */
  readonly log?: (output: O) => void;
  /**
   * The runtime, before the deadline is added.
   * @default awsRuntime
   */
  readonly runtime?: () => StepRuntime;
}

/** Ten seconds before Lambda's own timeout: the smallest functions have a minute. */
export const DEFAULT_SAFETY_MARGIN_MS = 10_000;

/**
 * The Lambda handler of a step: `export const handler = stepHandler('finish', finishStep)`. Adds
 * the invocation's context (request id, function name, cold start) to every log line of the
 * Powertools logger, gives the step a runtime whose `deadline()` is Lambda's remaining time less
 * the safety margin, logs the output once, and returns it. An error is rethrown as it is, so
 * Step Functions sees its name (and Retry and Catch match it), except that every TransientError
 * subclass is rethrown as TransientError with the subclass named in its message
 * (`forStepFunctions`): the workflows retry that one name.
 */
export function stepHandler<O>(step: string, run: HandlerStep<O>, options: StepHandlerOptions<O> = {}): StepLambdaHandler<O> {
  // Only the two arguments: a step's optional third parameter is never handed Lambda's context.
  return contextStepHandler(step, (event, runtime) => run(event, runtime), options);
}

/** `stepHandler` for a step that reads Lambda's context too (verify-changes: its request id owns the lease). */
export function contextStepHandler<O>(step: string, run: ContextHandlerStep<O>, options: StepHandlerOptions<O> = {}): StepLambdaHandler<O> {
  const margin = options.safetyMarginMs ?? DEFAULT_SAFETY_MARGIN_MS;
  const runtime = options.runtime ?? awsRuntime;
  return async (event, context) => {
    // Powertools reads only these fields; a partial context leaves the others out of the logs.
    if (context) logger.addContext(context as Context);
    const remaining = context?.getRemainingTimeInMillis?.();
    const deadline = remaining === undefined ? NO_DEADLINE : Date.now() + Math.max(0, remaining - margin);
    let output: O;
    try {
      output = await run(event, withDeadline(runtime(), deadline), context);
    } catch (error) {
      throw forStepFunctions(error);
    }
    if (options.log) options.log(output);
    else logger.info(step, { output });
    return output;
  };
}
