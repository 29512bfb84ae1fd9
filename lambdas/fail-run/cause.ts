/** Step Functions keeps at most 32,768 characters of a Fail state's cause. */
export const CAUSE_LIMIT = 32_000;

/** What a workflow's Catch put in `$.error`, made readable. */
export interface ReadableError {
  /** The original error name (what Retry/Catch matched), e.g. `PreflightFailedError`. */
  readonly error: string;
  /** The message an operator reads. */
  readonly cause: string;
}

/**
 * A Lambda error reaches the workflow with `Cause` = the JSON document Lambda reports
 * (`{"errorType", "errorMessage", "trace"}`); the message is what matters. States' own errors
 * (`States.Timeout`, `States.Runtime`) and errors a Pass state makes up carry a plain text cause.
 */
export function readableError(raw: { readonly Error?: unknown; readonly Cause?: unknown } | undefined): ReadableError {
  const error = typeof raw?.Error === 'string' && raw.Error !== '' ? raw.Error : 'UnknownError';
  const cause = typeof raw?.Cause === 'string' ? raw.Cause.trim() : '';
  if (cause === '') return { error, cause: `${error} (the failed state gave no cause; see the execution history)` };
  return { error, cause: truncate(lambdaMessage(cause) ?? cause) };
}

function lambdaMessage(cause: string): string | undefined {
  if (!cause.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(cause);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const message = (parsed as { errorMessage?: unknown }).errorMessage;
    return typeof message === 'string' && message !== '' ? message : undefined;
  } catch {
    return undefined;
  }
}

function truncate(text: string): string {
  return text.length > CAUSE_LIMIT ? `${text.slice(0, CAUSE_LIMIT - 1)}…` : text;
}
