/**
 * What an AWS call's failure means to an operator, as one line: the commands against a deployed
 * environment wrap every call in `awsCall(action, ...)`, so whatever fails names the IAM action
 * it was, and a known failure (denied, throttled, credentials) says what to do. Everything here
 * exits 2 (`reportError`): the command could not run.
 */

/** A failure of a command against a deployed environment, its message one line for the operator. */
export class DeployedEnvironmentError extends Error {
  override readonly name = 'DeployedEnvironmentError';
}

const THROTTLED = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'ProvisionedThroughputExceededException', 'RequestThrottled', 'SlowDown']);
const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError', 'NotAuthorized']);
const CREDENTIALS = new Set(['ExpiredToken', 'ExpiredTokenException', 'InvalidClientTokenId', 'UnrecognizedClientException', 'CredentialsProviderError', 'TokenRefreshRequired', 'InvalidSignatureException', 'SignatureDoesNotMatch']);

const REFRESH =
  'refresh them (`aws sso login`, or export a new AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, or pick a profile with AWS_PROFILE) and retry';

/**
 * The one-line error for `error`, thrown by a call of IAM action `action` (`states:ListExecutions`).
 * A failure that is already explained, and one this module has no words for, keep their own
 * message, prefixed with the action.
 */
export function explainAwsError(error: unknown, action: string): DeployedEnvironmentError {
  if (error instanceof DeployedEnvironmentError) return error;
  const cause = rootCause(error);
  const name = cause instanceof Error ? cause.name : 'Error';
  const message = oneLine(cause instanceof Error ? cause.message : String(cause));
  if (DENIED.has(name) || /not authorized to perform/i.test(message)) {
    const denied = /not authorized to perform:? ([\w-]+:[\w*]+)(?: on resource:? ?(\S+?))?(?:[ ,;.]|$)/i.exec(message);
    const who = /^User: (\S+)/.exec(message)?.[1];
    const what = denied?.[1] ?? action;
    const on = denied?.[2] ? ` on ${denied[2]}` : '';
    return new DeployedEnvironmentError(
      `access denied: ${who ?? 'the caller'} may not call ${what}${on}; grant that IAM action to the role you use (${name})`,
      { cause: error },
    );
  }
  if (THROTTLED.has(name)) {
    return new DeployedEnvironmentError(`AWS throttled ${action} (${name}) after the SDK's retries: wait a moment and retry`, { cause: error });
  }
  if (CREDENTIALS.has(name)) {
    const why = name === 'CredentialsProviderError' ? 'no AWS credentials were found' : `the AWS credentials were refused (${name}: ${message})`;
    return new DeployedEnvironmentError(`${why} calling ${action}: ${REFRESH}`, { cause: error });
  }
  return new DeployedEnvironmentError(`${action} failed: ${name === 'Error' ? '' : `${name}: `}${message}`, { cause: error });
}

/** Sends one AWS call, turning its failure into the one-line error for `action`. */
export async function awsCall<T>(action: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw explainAwsError(error, action);
  }
}

/** The store wraps DynamoDB's error after its own retries (CheckpointTransientError); the SDK's is what says why. */
function rootCause(error: unknown): unknown {
  let current = error;
  while (current instanceof Error && current.name === 'CheckpointTransientError' && current.cause !== undefined) current = current.cause;
  return current;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
