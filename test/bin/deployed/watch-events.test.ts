import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { formatKeyOutput, HistoryTracker, keyOutput, readableCause } from '../../../bin/cli/deployed/watch-events';

const at = (seconds: number) => new Date(Date.UTC(2026, 11, 3, 10, 0, seconds));
const STATE = JSON.stringify({ migrationId: 'orders', run: { runId: 'run-1', workflow: 'migrate' } });
const REPLICATION = { status: 'full-load', rowsCopied: 1200, rowsEstimated: 5000, tablesPending: 2, tables: [{ table: 'public.orders' }], lag: { seconds: 3 } };
const LAMBDA_CAUSE = JSON.stringify({ errorType: 'TransientError', errorMessage: 'DMS throttled\nDescribeReplicationTasks', trace: ['TransientError: DMS throttled', '    at poll (/var/task/index.js:1:2)'] });

/** A Task state on a function ARN, as Step Functions records it: a first attempt fails, the retry succeeds. */
const retriedTask: HistoryEvent[] = [
  { id: 1, previousEventId: 0, timestamp: at(0), type: 'ExecutionStarted', executionStartedEventDetails: { input: '{"migrationId":"orders"}' } },
  { id: 2, previousEventId: 1, timestamp: at(1), type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Check the full load', input: STATE } },
  { id: 3, previousEventId: 2, timestamp: at(1), type: 'LambdaFunctionScheduled', lambdaFunctionScheduledEventDetails: { resource: 'arn:aws:lambda:eu-west-1:123456789012:function:Ferry-dev-ReplicationStatus' } },
  { id: 4, previousEventId: 3, timestamp: at(1), type: 'LambdaFunctionStarted' },
  { id: 5, previousEventId: 4, timestamp: at(2), type: 'LambdaFunctionFailed', lambdaFunctionFailedEventDetails: { error: 'TransientError', cause: LAMBDA_CAUSE } },
  { id: 6, previousEventId: 5, timestamp: at(7), type: 'LambdaFunctionScheduled', lambdaFunctionScheduledEventDetails: { resource: 'arn:aws:lambda:eu-west-1:123456789012:function:Ferry-dev-ReplicationStatus' } },
  { id: 7, previousEventId: 6, timestamp: at(7), type: 'LambdaFunctionStarted' },
  { id: 8, previousEventId: 7, timestamp: at(8), type: 'LambdaFunctionSucceeded', lambdaFunctionSucceededEventDetails: { output: JSON.stringify(REPLICATION) } },
  {
    id: 9,
    previousEventId: 8,
    timestamp: at(8),
    type: 'TaskStateExited',
    stateExitedEventDetails: { name: 'Check the full load', output: JSON.stringify({ ...JSON.parse(STATE), replication: REPLICATION }) },
  },
];

describe('turning execution history into what ferry watch shows', () => {
  it("shows a task's own result as its key output, and a failed attempt with the Lambda error's message", () => {
    // Act
    const events = new HistoryTracker().push(retriedTask);

    // Assess
    expect(events).toEqual([
      { event: 'stepStarted', step: 'Check the full load', at: at(1).toISOString() },
      { event: 'stepFailed', step: 'Check the full load', at: at(2).toISOString(), error: 'TransientError', cause: 'DMS throttled DescribeReplicationTasks' },
      { event: 'stepFinished', step: 'Check the full load', at: at(8).toISOString(), durationMs: 7000, output: { status: 'full-load', rowsCopied: 1200, rowsEstimated: 5000, tablesPending: 2 } },
    ]);
  });

  it('gives the same steps when the events come a few at a time, as each poll brings only the new ones', () => {
    // Prepare
    const tracker = new HistoryTracker();

    // Act
    const events = [retriedTask.slice(0, 3), retriedTask.slice(3, 6), retriedTask.slice(6)].flatMap((poll) => tracker.push(poll));

    // Assess
    expect(events).toEqual(new HistoryTracker().push(retriedTask));
    expect(tracker.current).toBeUndefined();
  });

  it('knows the state the execution is in while it runs', () => {
    // Act
    const tracker = new HistoryTracker();
    tracker.push(retriedTask.slice(0, 4));

    // Assess
    expect(tracker.current).toEqual({ step: 'Check the full load', since: at(1).getTime() });
    expect(tracker.finished).toBeUndefined();
  });

  it("unwraps the lambda:invoke integration's Payload", () => {
    // Prepare
    const payload = { status: 'ready', phase: 'cut-over', version: 7 };
    const history: HistoryEvent[] = [
      { id: 2, previousEventId: 1, timestamp: at(1), type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Record phase cut-over', input: STATE } },
      { id: 3, previousEventId: 2, timestamp: at(1), type: 'TaskScheduled', taskScheduledEventDetails: { resource: 'invoke', resourceType: 'lambda', region: 'eu-west-1', parameters: '{}' } },
      { id: 4, previousEventId: 3, timestamp: at(1), type: 'TaskStarted', taskStartedEventDetails: { resource: 'invoke', resourceType: 'lambda' } },
      {
        id: 5,
        previousEventId: 4,
        timestamp: at(2),
        type: 'TaskSucceeded',
        taskSucceededEventDetails: { resource: 'invoke', resourceType: 'lambda', output: JSON.stringify({ ExecutedVersion: '$LATEST', Payload: payload, SdkHttpMetadata: { HttpStatusCode: 200 }, StatusCode: 200 }) },
      },
      { id: 6, previousEventId: 5, timestamp: at(2), type: 'TaskStateExited', stateExitedEventDetails: { name: 'Record phase cut-over', output: STATE } },
    ];

    // Act
    const finished = new HistoryTracker().push(history).find((e) => e.event === 'stepFinished');

    // Assess
    expect(finished).toMatchObject({ output: payload, durationMs: 1000 });
  });

  it('ends with the execution’s status, error and readable cause', () => {
    // Prepare
    const tracker = new HistoryTracker();

    // Act
    tracker.push([{ id: 9, previousEventId: 8, timestamp: at(9), type: 'ExecutionFailed', executionFailedEventDetails: { error: 'TransientError', cause: LAMBDA_CAUSE } }]);

    // Assess
    expect(tracker.finished).toEqual({ event: 'finished', status: 'FAILED', at: at(9).toISOString(), error: 'TransientError', cause: 'DMS throttled DescribeReplicationTasks' });
  });

  it('keeps a plain-text cause as it is, on one line', () => {
    expect(readableCause('The cause\n  of it')).toBe('The cause of it');
  });

  it('shows at most six top-level scalar fields, long strings cut', () => {
    // Act
    const output = keyOutput({ a: 1, b: 'x'.repeat(60), nested: { c: 1 }, list: [1], d: true, e: null, f: 2, g: 3, h: 4 });

    // Assess
    expect(output).toEqual({ a: 1, b: `${'x'.repeat(39)}…`, d: true, e: null, f: 2, g: 3 });
    expect(formatKeyOutput({ status: 'ready', message: 'two words', rows: 3 })).toBe('status=ready, message="two words", rows=3');
  });
});
