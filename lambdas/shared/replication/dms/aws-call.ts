import { isTransientAwsError, withRetry, type RetryPolicy } from '../../retry';
import { ReplicationBusyError, ReplicationNotFoundError } from '../engine';
import { DmsTransientError } from './errors';

/** What a call is about, for messages: `DMS StartReplicationTask` on `orders-forward (arn:...)`. */
export interface CallContext {
  readonly service: 'DMS' | 'CloudWatch';
  readonly operation: string;
  /** The task or replication config, as the operator knows it. */
  readonly target: string;
}

/**
 * One AWS call as the DMS engine makes it: throttling and 5xx are retried with backoff, then
 * surface as `DmsTransientError`; DMS's own faults become Ferry's named errors, whose `name` the
 * workflows match on. Anything else (access denied, validation) is rethrown unchanged.
 */
export async function awsCall<T>(context: CallContext, fn: () => Promise<T>, retry: RetryPolicy = {}): Promise<T> {
  try {
    return await withRetry(fn, { ...retry, isRetryable: isTransientAwsError });
  } catch (error) {
    throw classify(context, error);
  }
}

/** The context of a DMS call on `target`. */
export function dmsCall(operation: string, target: string): CallContext {
  return { service: 'DMS', operation, target };
}

/**
 * Every page of a DMS Describe operation that pages with `Marker`: `fetch` makes one call from
 * the marker (undefined for the first page), `itemsOf` takes the page's items.
 */
export async function allPages<Page extends { readonly Marker?: string }, T>(
  fetch: (marker: string | undefined) => Promise<Page>,
  itemsOf: (page: Page) => readonly T[] | undefined,
): Promise<T[]> {
  const items: T[] = [];
  let marker: string | undefined;
  do {
    const page = await fetch(marker);
    items.push(...(itemsOf(page) ?? []));
    marker = page.Marker || undefined;
  } while (marker);
  return items;
}

function classify(context: CallContext, error: unknown): unknown {
  const what = describe(error);
  const call = `${context.service} ${context.operation} on ${context.target}`;
  if (nameOf(error) === 'ResourceNotFoundFault') return notFoundError(context, what, error);
  if (nameOf(error) === 'InvalidResourceStateFault') {
    return new ReplicationBusyError(
      `${call} was refused because the resource is changing state (${what}). Nothing was changed; ` +
        `the workflow tries again once DMS has finished.`,
      { cause: error },
    );
  }
  if (isTransientAwsError(error)) {
    return new DmsTransientError(`${call} kept failing on the AWS side (${what}); the workflow tries again later.`, {
      cause: error,
    });
  }
  return error;
}

/** The DMS resource a call is about does not exist: the stack is not deployed, or FERRY_DMS is stale. */
export function notFoundError(context: CallContext, detail: string, cause?: unknown): ReplicationNotFoundError {
  return new ReplicationNotFoundError(
    `${context.service} ${context.operation} on ${context.target} found nothing (${detail}). Deploy the Ferry ` +
      `stack for this environment (npx cdk deploy Ferry-<env>), which creates the DMS resources of every DMS ` +
      `migration, and check that the function's FERRY_DMS record names the deployed ARNs.`,
    cause === undefined ? undefined : { cause },
  );
}

function nameOf(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
