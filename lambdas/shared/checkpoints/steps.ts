import { StepOutputNotSerializableError, StepOutputTooLargeError } from '../errors';
import { getItem, isConditionalCheckFailed, update, updateIf, withoutKey, type StoreContext } from './context';
import { stepKey } from './keys';

/** Leaves room under DynamoDB's 400 KB item limit for the record's other attributes. */
export const STEP_OUTPUT_LIMIT_BYTES = 350 * 1024;

export type StepStatus = 'running' | 'done' | 'failed';

export interface StepRecord {
  readonly runId: string;
  readonly name: string;
  readonly status: StepStatus;
  /** How many times the step was started, this run included. */
  readonly attempts: number;
  /** ISO-8601 times. */
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly failedAt?: string;
  /** The last failure; kept after a later success so operators can see it happened. */
  readonly lastError?: { readonly name: string; readonly message: string };
  /** The stored output (parsed JSON); present only when `status` is `done`. */
  readonly output?: unknown;
}

interface StepItem extends Omit<StepRecord, 'output'> {
  readonly outputJson?: string;
}

/**
 * Runs `fn` once per `(runId, name)`: a finished step returns its stored output and `fn` is not
 * called again.
 *
 * 1. A `done` record exists: return its output; `fn` is not called.
 * 2. Otherwise record the attempt (`running`, attempts + 1), call `fn`, and store its output as
 *    `done`, on condition that the step is not `done` already. If another runner finished first,
 *    its output wins and is returned here too, so every caller continues with the same value.
 * 3. `fn` throws: the record becomes `failed` with `lastError`, and the original error is rethrown
 *    unchanged (workflows match on its name). A later call runs `fn` again.
 *
 * The value returned is always the stored JSON, parsed (`Date`s become strings, `undefined`
 * fields disappear), so a first run and a replay see exactly the same thing.
 *
 * Crash semantics (at-least-once, not exactly-once): if the process dies, times out or loses
 * DynamoDB after `fn` has finished but before the `done` write has landed, nothing records that
 * `fn` finished. The record still says `running` (or `failed`), and the next `runStep` for the
 * same run and name calls `fn` AGAIN, with all of its side effects. Two runners of the same step
 * at once (a duplicate Lambda invocation, a workflow retry) also both call `fn`. So every `fn`
 * given to `runStep` must be safe to repeat, for example:
 * - check-then-act against the observed state: read what exists (a replication task, a slot, a
 *   subscription, the switch's current target) and only create or change what is missing;
 * - idempotent DDL and DML: `CREATE ... IF NOT EXISTS`, `DROP ... IF EXISTS`,
 *   `INSERT ... ON CONFLICT DO NOTHING`, `setval` to an absolute value rather than `nextval`;
 * - natural idempotency keys for AWS calls: a deterministic name derived from the run id (DMS task
 *   identifier, Scheduler schedule name, `ClientToken`), treating "already exists" as success;
 * - absolute writes instead of increments: "set the parameter to X", never "add one";
 * - conditional writes on the checkpoint table (phase transitions with `expectedVersion` under
 *   the lock's lease), which refuse a second application instead of repeating it.
 */
export async function runStep<T>(ctx: StoreContext, runId: string, name: string, fn: () => Promise<T>): Promise<T> {
  const existing = await readStep(ctx, runId, name);
  if (existing?.status === 'done') return parseOutput(existing) as T;

  try {
    await markRunning(ctx, runId, name);
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
    return (await finishedByOther(ctx, runId, name, err)) as T;
  }

  let json: string | undefined;
  try {
    json = serialise(runId, name, await fn());
  } catch (err) {
    await markFailed(ctx, runId, name, err).catch(() => {
      // Recording the failure is best effort: the error that matters to the caller is `err`.
    });
    throw err;
  }

  try {
    await markDone(ctx, runId, name, json);
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
    // Someone finished first, or an earlier attempt of this very write landed; either way the
    // stored output is the one everybody must see.
    return (await finishedByOther(ctx, runId, name, err)) as T;
  }
  return (json === undefined ? undefined : JSON.parse(json)) as T;
}

/** For operators: the step's record, or undefined if it never started. */
export async function getStep(ctx: StoreContext, runId: string, name: string): Promise<StepRecord | undefined> {
  const item = await readStep(ctx, runId, name);
  if (item === undefined) return undefined;
  const { outputJson: _outputJson, ...record } = item;
  return item.status === 'done' ? { ...record, output: parseOutput(item) } : record;
}

async function readStep(ctx: StoreContext, runId: string, name: string): Promise<StepItem | undefined> {
  const item = await getItem(ctx, stepKey(runId, name));
  return item === undefined ? undefined : (withoutKey(item) as unknown as StepItem);
}

async function finishedByOther(ctx: StoreContext, runId: string, name: string, conditionError: unknown) {
  const winner = await readStep(ctx, runId, name);
  if (winner?.status !== 'done') throw conditionError;
  return parseOutput(winner);
}

const NOT_DONE = 'attribute_not_exists(#status) OR #status <> :done';
const NAMES = { '#status': 'status', '#name': 'name' };

function markRunning(ctx: StoreContext, runId: string, name: string) {
  return update(ctx, {
    Key: stepKey(runId, name),
    UpdateExpression:
      'SET #status = :running, attempts = if_not_exists(attempts, :zero) + :one, startedAt = :now, runId = :runId, #name = :name',
    ConditionExpression: NOT_DONE,
    ExpressionAttributeNames: NAMES,
    ExpressionAttributeValues: {
      ':running': 'running' satisfies StepStatus,
      ':done': 'done' satisfies StepStatus,
      ':zero': 0,
      ':one': 1,
      ':now': new Date(ctx.now()).toISOString(),
      ':runId': runId,
      ':name': name,
    },
  });
}

function markDone(ctx: StoreContext, runId: string, name: string, json: string | undefined) {
  return update(ctx, {
    Key: stepKey(runId, name),
    UpdateExpression:
      json === undefined
        ? 'SET #status = :done, finishedAt = :now REMOVE outputJson'
        : 'SET #status = :done, finishedAt = :now, outputJson = :json',
    ConditionExpression: NOT_DONE,
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':done': 'done' satisfies StepStatus,
      ':now': new Date(ctx.now()).toISOString(),
      ...(json === undefined ? {} : { ':json': json }),
    },
  });
}

async function markFailed(ctx: StoreContext, runId: string, name: string, error: unknown): Promise<void> {
  const lastError =
    error instanceof Error ? { name: error.name, message: error.message } : { name: 'Error', message: String(error) };
  // A failed condition: another runner finished the step meanwhile; its success stands.
  await updateIf(ctx, {
    Key: stepKey(runId, name),
    UpdateExpression: 'SET #status = :failed, failedAt = :now, lastError = :lastError',
    ConditionExpression: NOT_DONE,
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':failed': 'failed' satisfies StepStatus,
      ':done': 'done' satisfies StepStatus,
      ':now': new Date(ctx.now()).toISOString(),
      ':lastError': lastError,
    },
  });
}

function serialise(runId: string, name: string, output: unknown): string | undefined {
  let json: string | undefined;
  try {
    json = JSON.stringify(output);
  } catch (err) {
    throw new StepOutputNotSerializableError(runId, name, err);
  }
  if (json === undefined && output !== undefined) {
    throw new StepOutputNotSerializableError(runId, name, `a ${typeof output} has no JSON form`);
  }
  if (json !== undefined) {
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > STEP_OUTPUT_LIMIT_BYTES) throw new StepOutputTooLargeError(runId, name, bytes, STEP_OUTPUT_LIMIT_BYTES);
  }
  return json;
}

function parseOutput(item: StepItem): unknown {
  return item.outputJson === undefined ? undefined : JSON.parse(item.outputJson);
}
