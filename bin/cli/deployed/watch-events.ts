import type { HistoryEvent } from '@aws-sdk/client-sfn';

/** A state's key output: its top-level scalar fields, strings cut short. */
export type KeyOutput = Readonly<Record<string, string | number | boolean | null>>;

/** What `ferry watch` reports, made from the execution's history events. */
export type WatchEvent =
  | { readonly event: 'stepStarted'; readonly step: string; readonly at: string }
  | { readonly event: 'stepFinished'; readonly step: string; readonly at: string; readonly durationMs?: number; readonly output: KeyOutput }
  | { readonly event: 'stepFailed'; readonly step?: string; readonly at: string; readonly error: string; readonly cause: string }
  | {
      readonly event: 'finished';
      readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
      readonly at: string;
      readonly error?: string;
      readonly cause?: string;
    };

export type FinishedEvent = Extract<WatchEvent, { event: 'finished' }>;

const MAX_FIELDS = 6;
const MAX_VALUE = 40;
const MAX_CAUSE = 500;

/** States that decide or end and have no output of their own worth a line. */
const SILENT_EXITS = new Set(['ChoiceStateExited', 'SucceedStateExited']);

const END: Readonly<Record<string, FinishedEvent['status']>> = {
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionTimedOut: 'TIMED_OUT',
  ExecutionAborted: 'ABORTED',
};

/**
 * Turns history events, fed in id order poll after poll, into steps started, finished (with their
 * duration and key output) and failed, and the execution's end. It keeps only what a state still
 * open needs (when it was entered, its input, its task's result) and which state each event
 * belongs to, so feeding it only the new events of each poll is enough.
 */
export class HistoryTracker {
  /** The state each event belongs to, by event id: a task's events point back to their state's entry. */
  private readonly stateOf = new Map<number, string>();
  /** Open states, oldest first: the last is where the execution is now. */
  private readonly open: { readonly name: string; readonly enteredAt: number; readonly input: string | undefined }[] = [];
  private readonly results = new Map<string, string>();
  /** States whose last attempt failed: their exit (a Catch moving on) is not a finished step. */
  private readonly failed = new Set<string>();
  private end: FinishedEvent | undefined;

  /** The state the execution is in now (the innermost open one), with when it was entered. */
  get current(): { readonly step: string; readonly since: number } | undefined {
    const last = this.open.at(-1);
    return last && { step: last.name, since: last.enteredAt };
  }

  /** The execution's end, once its history has it. */
  get finished(): FinishedEvent | undefined {
    return this.end;
  }

  push(events: readonly HistoryEvent[]): WatchEvent[] {
    return events.flatMap((e) => this.one(e));
  }

  private one(e: HistoryEvent): WatchEvent[] {
    const type = e.type ?? '';
    const at = (e.timestamp ?? new Date(0)).toISOString();
    const id = e.id ?? 0;
    const inherited = e.previousEventId === undefined ? undefined : this.stateOf.get(e.previousEventId);
    if (type.endsWith('StateEntered')) {
      const name = e.stateEnteredEventDetails?.name ?? '?';
      this.stateOf.set(id, name);
      this.open.push({ name, enteredAt: e.timestamp?.getTime() ?? 0, input: e.stateEnteredEventDetails?.input });
      return [{ event: 'stepStarted', step: name, at }];
    }
    if (type.endsWith('StateExited')) return this.exited(e, type, at);
    if (inherited !== undefined) this.stateOf.set(id, inherited);
    if (type === 'ExecutionRedriven') this.end = undefined; // a redrive runs a failed execution on
    const details = detailsOf(e);
    const ended = END[type];
    if (ended) {
      this.end = {
        event: 'finished',
        status: ended,
        at,
        ...(typeof details?.error === 'string' ? { error: details.error } : {}),
        ...(typeof details?.cause === 'string' ? { cause: readableCause(details.cause) } : {}),
      };
      return [this.end];
    }
    if (/(Succeeded)$/.test(type) && typeof details?.output === 'string' && inherited !== undefined) {
      this.results.set(inherited, details.output);
      this.failed.delete(inherited);
      return [];
    }
    if (/(Failed|TimedOut)$/.test(type) && details && (typeof details.error === 'string' || typeof details.cause === 'string')) {
      if (inherited !== undefined) this.failed.add(inherited);
      return [
        {
          event: 'stepFailed',
          ...(inherited === undefined ? {} : { step: inherited }),
          at,
          error: typeof details.error === 'string' ? details.error : type,
          cause: typeof details.cause === 'string' ? readableCause(details.cause) : '',
        },
      ];
    }
    return [];
  }

  private exited(e: HistoryEvent, type: string, at: string): WatchEvent[] {
    const name = e.stateExitedEventDetails?.name ?? '?';
    const index = this.open.findLastIndex((s) => s.name === name);
    const entered = index < 0 ? undefined : this.open.splice(index, 1)[0];
    const result = this.results.get(name);
    this.results.delete(name);
    const caught = this.failed.delete(name);
    if (SILENT_EXITS.has(type) || caught) return [];
    const output = result === undefined ? changedOutput(entered?.input, e.stateExitedEventDetails?.output) : keyOutput(taskPayload(parseJson(result)));
    const durationMs = entered && e.timestamp ? e.timestamp.getTime() - entered.enteredAt : undefined;
    return [{ event: 'stepFinished', step: name, at, ...(durationMs === undefined ? {} : { durationMs }), output }];
  }
}

/** `TaskFailed` keeps its error in `taskFailedEventDetails`, and so on for every type. */
function detailsOf(e: HistoryEvent): Record<string, unknown> | undefined {
  const type = e.type ?? '';
  const key = `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
  const details = (e as unknown as Record<string, unknown>)[key];
  return typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : undefined;
}

/**
 * A failure's cause as a person reads it: a Lambda error's cause is JSON (`errorType`,
 * `errorMessage`, `trace`), of which the message is what matters; on one line, cut short.
 */
export function readableCause(cause: string): string {
  const parsed = parseJson(cause);
  const message = isRecord(parsed) && typeof parsed.errorMessage === 'string' ? parsed.errorMessage : cause;
  return cut(message.replace(/\s+/g, ' ').trim(), MAX_CAUSE);
}

/** The top-level scalar fields of a JSON value (a scalar itself is `value`), at most six, strings cut. */
export function keyOutput(value: unknown): KeyOutput {
  const scalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);
  const short = (v: unknown) => (typeof v === 'string' ? cut(v, MAX_VALUE) : (v as number | boolean | null));
  if (value === undefined) return {};
  if (!isRecord(value)) return scalar(value) ? { value: short(value) } : {};
  const fields = Object.entries(value).filter(([, v]) => scalar(v)).slice(0, MAX_FIELDS);
  return Object.fromEntries(fields.map(([k, v]) => [k, short(v)]));
}

/** `status=ready, rowsCopied=1200`: a key output on one line. */
export function formatKeyOutput(output: KeyOutput): string {
  return Object.entries(output)
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/[\s,=]/.test(v) && v !== '' ? v : JSON.stringify(v)}`)
    .join(', ');
}

/**
 * What a state without a task (Pass, Wait, Map) added to the workflow's state: Ferry's states
 * put their result at a ResultPath (`$.replication`), so the output is the input plus that. One
 * changed object is shown by its own fields.
 */
function changedOutput(input: string | undefined, output: string | undefined): KeyOutput {
  const before = parseJson(input);
  const after = parseJson(output);
  if (!isRecord(after)) return keyOutput(after);
  const old = isRecord(before) ? before : {};
  const changed = Object.entries(after).filter(([k, v]) => JSON.stringify(old[k]) !== JSON.stringify(v));
  if (changed.length === 1 && isRecord(changed[0]![1])) return keyOutput(changed[0]![1]);
  return keyOutput(Object.fromEntries(changed));
}

/** The `lambda:invoke` integration wraps the function's result in `Payload`; a direct function ARN does not. */
function taskPayload(value: unknown): unknown {
  return isRecord(value) && 'Payload' in value && 'StatusCode' in value ? value.Payload : value;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function cut(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
