import { isTransientAwsError, withRetry, type RetryPolicy } from '../retry';
import { SwitchFailedError, SwitchTransientError } from './switch';

/** What a call is about, for messages: `SSM GetParameter on parameter /orders/db-endpoint`. */
export interface SwitchCall {
  readonly service: 'SSM' | 'Secrets Manager' | 'Route 53';
  readonly operation: string;
  /** The parameter, secret or record, as the operator knows it. */
  readonly resource: string;
  /** What the operator should do when the resource does not exist. */
  readonly whenMissing: string;
}

/**
 * Errors the generic classifier does not know but that mean "busy, try again": Route 53 refuses a
 * change while the zone's previous one is still being applied, SSM refuses concurrent updates.
 */
const BUSY_NAMES = new Set(['PriorRequestNotComplete', 'TooManyUpdates']);

const NOT_FOUND_NAMES = new Set(['ParameterNotFound', 'ResourceNotFoundException', 'NoSuchHostedZone', 'NoSuchChange']);

const ACCESS_NAMES = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation', 'DecryptionFailure', 'EncryptionFailure']);

const IAM_PREFIX: Record<SwitchCall['service'], string> = { SSM: 'ssm', 'Secrets Manager': 'secretsmanager', 'Route 53': 'route53' };

export function isTransientSwitchError(error: unknown): boolean {
  return isTransientAwsError(error) || BUSY_NAMES.has(nameOf(error) ?? '');
}

/**
 * One AWS call as a switch makes it: throttling, 5xx and "busy" answers are retried with backoff,
 * then surface as `SwitchTransientError` (the workflow tries the step again later); a definite
 * refusal becomes `SwitchFailedError` saying what to check. Errors that are not AWS answers
 * (bugs) are rethrown unchanged so they are not mistaken for a misconfigured switch.
 */
export async function switchCall<T>(call: SwitchCall, fn: () => Promise<T>, retry: RetryPolicy = {}): Promise<T> {
  try {
    return await withRetry(fn, { ...retry, isRetryable: isTransientSwitchError });
  } catch (error) {
    throw classify(call, error);
  }
}

function classify(call: SwitchCall, error: unknown): unknown {
  const what = `${call.service} ${call.operation} on ${call.resource}`;
  const detail = describe(error);
  if (isTransientSwitchError(error)) {
    return new SwitchTransientError(`${what} kept failing on the AWS side (${detail}); the workflow tries again later.`, {
      cause: error,
    });
  }
  if (!isAwsError(error)) return error;
  const name = nameOf(error) ?? '';
  if (NOT_FOUND_NAMES.has(name)) {
    return new SwitchFailedError(`${what} found nothing (${detail}). ${call.whenMissing}`, { cause: error });
  }
  if (ACCESS_NAMES.has(name) || error.$metadata?.httpStatusCode === 403) {
    const kms = call.service === 'Route 53' ? '' : ' (and kms:Decrypt / kms:GenerateDataKey on its customer managed KMS key, if it has one)';
    return new SwitchFailedError(
      `${what} was denied (${detail}). Check that the role of the switch function allows ` +
        `${IAM_PREFIX[call.service]}:${call.operation} on it${kms}.`,
      { cause: error },
    );
  }
  return new SwitchFailedError(
    `${what} was refused (${detail}); trying again would fail the same way. Check the switch settings of the migration ` +
      `against the ${call.service} resource.`,
    { cause: error },
  );
}

interface AwsErrorShape extends Error {
  $metadata?: { httpStatusCode?: number };
  $fault?: string;
  messages?: unknown;
}

function isAwsError(error: unknown): error is AwsErrorShape {
  return error instanceof Error && ('$metadata' in error || '$fault' in error);
}

function nameOf(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Route 53's InvalidChangeBatch puts each problem in `messages`, not always in `message`.
  const extra = (error as AwsErrorShape).messages;
  const unsaid = Array.isArray(extra) ? extra.filter((m) => !error.message.includes(String(m))) : [];
  const list = unsaid.length > 0 ? ` [${unsaid.join('; ')}]` : '';
  return error.message === '' ? `${error.name}${list}` : `${error.name}: ${error.message}${list}`;
}
