import { setTimeout as delay } from 'node:timers/promises';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, type DescribeExecutionOutput, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { EXIT, reportError } from '../command';
import type { CliIo } from '../io';
import { awsCall } from './aws-errors';
import { formatKeyOutput, HistoryTracker, readableCause, type FinishedEvent, type WatchEvent } from './watch-events';
import { clock } from '../../../local/rehearsal/view';

export interface FollowOptions {
  /** One JSON line per event on stdout instead of text and a live line. */
  readonly json?: boolean;
  /**
   * Milliseconds between polls.
   * @default 2000
   */
  readonly pollMs?: number;
  /**
   * Waits between polls; resolves early when `signal` aborts (Ctrl-C).
   * @default a timer
   */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** An execution's status, as `ferry watch` exits with it. */
const EXIT_OF: Readonly<Record<FinishedEvent['status'], number>> = { SUCCEEDED: EXIT.ok, FAILED: EXIT.finding, TIMED_OUT: EXIT.finding, ABORTED: EXIT.finding };

/**
 * The first poll reads the whole history in as few requests as the API allows (1000 a page).
 * Later ones size their page after the poll before (twice its new events, at least 20): each
 * event can carry its state's JSON, so a page of mostly known events is bytes for nothing.
 */
const MAX_PAGE = 1000;
const MIN_PAGE = 20;

/**
 * Follows a Step Functions execution until it ends: each finished step with its duration and key
 * output, each failure with its cause, and a live line of the current state and elapsed time
 * (redrawn in place on a terminal, a plain line now and then elsewhere). Returns the exit code: 0
 * SUCCEEDED; 1 FAILED, TIMED_OUT or ABORTED; 2 when the execution could not be read; 130 when
 * Ctrl-C stopped the watching (the execution itself is not touched).
 *
 * Each poll reads the history newest first and stops at the first event it has already seen, so
 * its cost grows with the new events, not with the length of the history (a nextToken is only
 * returned while there are more pages, so one cannot be kept to resume from).
 */
export async function followExecution(sfn: SFNClient, executionArn: string, io: CliIo, options: FollowOptions = {}): Promise<number> {
  const pollMs = options.pollMs ?? 2000;
  const sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined));
  const stopping = new AbortController();
  const interrupted = new Promise((resolve) => stopping.signal.addEventListener('abort', resolve, { once: true }));
  let done: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (done = resolve));
  io.onInterrupt(() => (stopping.abort(), ended));

  const view = new WatchView(io, options.json === true);
  const tracker = new HistoryTracker();
  let lastId = 0;
  let pageSize = MAX_PAGE;
  try {
    for (let poll = 0; ; poll++) {
      const execution = await awsCall('states:DescribeExecution', () => sfn.send(new DescribeExecutionCommand({ executionArn })));
      if (poll === 0) view.started(execution);
      const events = await newEvents(sfn, executionArn, lastId, pageSize);
      lastId = events.at(-1)?.id ?? lastId;
      pageSize = Math.min(MAX_PAGE, Math.max(MIN_PAGE, 2 * events.length));
      for (const event of tracker.push(events)) view.event(event);
      const end = tracker.finished ?? endOf(execution);
      if (end) {
        view.finished(end, execution);
        return EXIT_OF[end.status];
      }
      view.live(tracker.current?.step, io.now() - (execution.startDate?.getTime() ?? io.now()));
      if (stopping.signal.aborted) break;
      await Promise.race([sleep(pollMs, stopping.signal), interrupted]);
      if (stopping.signal.aborted) break;
    }
    view.interrupted(executionArn);
    return EXIT.interrupted;
  } catch (error) {
    view.clear();
    return reportError(error, io);
  } finally {
    done();
  }
}

/** The history events after `afterId`, oldest first: newest-first pages until one reaches a known event. */
async function newEvents(sfn: SFNClient, executionArn: string, afterId: number, maxResults: number): Promise<HistoryEvent[]> {
  // By id: a page can repeat an event of the page before it when the history grew in between.
  const fresh = new Map<number, HistoryEvent>();
  let nextToken: string | undefined;
  do {
    // Every page of one read asks the same (a nextToken holds only with the arguments unchanged).
    const input = { executionArn, reverseOrder: true, maxResults, ...(nextToken ? { nextToken } : {}) };
    const page = await awsCall('states:GetExecutionHistory', () => sfn.send(new GetExecutionHistoryCommand(input)));
    const events = page.events ?? [];
    for (const e of events) if ((e.id ?? 0) > afterId) fresh.set(e.id ?? 0, e);
    if (events.some((e) => (e.id ?? 0) <= afterId)) break;
    nextToken = page.nextToken;
  } while (nextToken);
  return [...fresh.values()].sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
}

/** The end DescribeExecution reports, for a history that does not show it yet. */
function endOf(execution: DescribeExecutionOutput): FinishedEvent | undefined {
  const status = execution.status;
  if (status !== 'SUCCEEDED' && status !== 'FAILED' && status !== 'TIMED_OUT' && status !== 'ABORTED') return undefined;
  return {
    event: 'finished',
    status,
    at: (execution.stopDate ?? new Date()).toISOString(),
    ...(execution.error ? { error: execution.error } : {}),
    ...(execution.cause ? { cause: readableCause(execution.cause) } : {}),
  };
}

/** Without a terminal, a line of where the execution is at most this often. */
const PLAIN_EVERY_MS = 30_000;

/** How the watch shows what happens: text lines on stdout and a live line on stderr, or JSON lines. */
class WatchView {
  private readonly tty: boolean;
  private shown = false;
  private lastPlain: { readonly at: number; readonly step: string | undefined } | undefined;

  constructor(
    private readonly io: CliIo,
    private readonly json: boolean,
  ) {
    this.tty = io.errTerminal !== undefined;
  }

  started(execution: DescribeExecutionOutput): void {
    const name = execution.name ?? execution.executionArn ?? '?';
    const machine = execution.stateMachineArn?.split(':').at(-1) ?? '?';
    const startDate = execution.startDate?.toISOString();
    if (this.json) this.line({ event: 'watching', executionArn: execution.executionArn, name, stateMachineArn: execution.stateMachineArn, status: execution.status, startDate });
    else this.text(`watching ${name} of ${machine}: ${execution.status ?? '?'} since ${startDate ?? '?'}`);
  }

  event(e: WatchEvent): void {
    if (e.event === 'finished') return; // finished() shows it, with the exit code
    if (this.json) return this.line(e);
    if (e.event === 'stepFinished') {
      const output = formatKeyOutput(e.output);
      this.text(`step "${e.step}" finished${e.durationMs === undefined ? '' : ` in ${duration(e.durationMs)}`}${output ? `: ${output}` : ''}`);
    } else if (e.event === 'stepFailed') {
      this.text(`step ${e.step === undefined ? '' : `"${e.step}" `}failed: ${e.error}${e.cause ? `: ${e.cause}` : ''}`);
    }
  }

  finished(end: FinishedEvent, execution: DescribeExecutionOutput): void {
    const tookMs = execution.startDate ? Date.parse(end.at) - execution.startDate.getTime() : undefined;
    if (this.json) return this.line({ ...end, ...(tookMs === undefined ? {} : { durationMs: tookMs }), exitCode: EXIT_OF[end.status] });
    // Not the execution's output: Ferry's is the whole workflow state, of which the steps showed what matters.
    const why = end.error || end.cause ? `: ${[end.error, end.cause].filter(Boolean).join(': ')}` : '';
    this.text(`execution ${end.status}${tookMs === undefined || tookMs < 0 ? '' : ` after ${duration(tookMs)}`}${why}`);
  }

  interrupted(executionArn: string): void {
    const again = `ferry watch ${executionArn}`;
    if (this.json) return this.line({ event: 'stopped', reason: 'interrupted', resume: again });
    this.clear();
    this.io.err(`stopped watching; the execution goes on. Watch it again with: ${again}\n`);
  }

  /** The live line: where the execution is and for how long it has run. */
  live(step: string | undefined, elapsedMs: number): void {
    if (this.json) return;
    const text = `${step === undefined ? 'starting' : `in "${step}"`}, ${clock(elapsedMs)} elapsed`;
    if (this.tty) {
      this.io.err(`\r\x1b[2K${cutTo(text, (this.io.errTerminal?.columns ?? 80) - 1)}`);
      this.shown = true;
      return;
    }
    const now = this.io.now();
    if (this.lastPlain && this.lastPlain.step === step && now - this.lastPlain.at < PLAIN_EVERY_MS) return;
    this.lastPlain = { at: now, step };
    this.io.err(`${text}\n`);
  }

  clear(): void {
    if (this.shown) this.io.err('\r\x1b[2K');
    this.shown = false;
  }

  private text(line: string): void {
    this.clear();
    this.io.out(`${line}\n`);
  }

  private line(value: unknown): void {
    this.io.out(`${JSON.stringify(value)}\n`);
  }
}

/** 0.4 s, 12.3 s, 4 min 05 s, 1 h 02 min. */
export function duration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)} min ${two(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${two(Math.floor((s % 3600) / 60))} min`;
}

function cutTo(text: string, width: number): string {
  // A control character (a state's name can hold anything) would break the line redrawn in place.
  // eslint-disable-next-line no-control-regex
  const chars = [...text.replace(/[\x00-\x1f\x7f]+/g, ' ')];
  return chars.length <= width ? chars.join('') : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}
