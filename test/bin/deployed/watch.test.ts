import { setTimeout as delay } from 'node:timers/promises';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
  type GetExecutionHistoryCommandInput,
  type GetExecutionHistoryCommandOutput,
  type SFNClientConfig,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { followExecution } from '../../../bin/cli/deployed/watch';
import type { CliIo } from '../../../bin/cli/io';
import { capturingIo, type CapturingIoOptions } from '../../helpers/cli';
import { useMoto } from '../../helpers/moto';

const ROLE = 'arn:aws:iam::123456789012:role/Ferry-dev-migrate-role';
const FUNCTION = (region: string, name: string) => `arn:aws:lambda:${region}:123456789012:function:Ferry-dev-${name}`;
/**
 * moto 5.2.1's parser copies the whole regional backend when it starts an execution, and fails
 * (`cannot pickle '_thread.RLock'`) once that backend holds an execution that ran: so each
 * execution here runs in a region of its own.
 */
const REGIONS = ['eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-north-1', 'us-east-1', 'us-west-2'];
/** Polls close together: moto runs the workflow in real time, so the watch waits a little, not 2 s. */
const shortSleep = () => delay(20);

/** A migrate-like workflow of Pass states that return what Ferry's steps return (MigrateRun, ReplicationStatusOutput), at the ResultPaths Ferry uses. */
const succeeding = (waitSeconds: number) => ({
  StartAt: 'Validate the input',
  States: {
    'Validate the input': {
      Type: 'Pass',
      Result: { migrationId: 'orders', runId: 'run-1', resumed: false, owner: 'arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-migrate:orders-1', leaseSeconds: 14400, pollSeconds: 60, polls: { fullLoad: 0, lag: 0 } },
      ResultPath: '$.run',
      Next: 'Wait for the full load',
    },
    'Wait for the full load': { Type: 'Wait', Seconds: waitSeconds, Next: 'Check the full load' },
    'Check the full load': {
      Type: 'Pass',
      Result: {
        migrationId: 'orders',
        engine: 'dms',
        state: 'streaming',
        fullLoadComplete: true,
        tables: { total: 1, pending: 0, loading: 0, loaded: 1 },
        rowsCopied: 1200,
        notLoaded: [],
        lagSeconds: 2,
        lagBytes: 1024,
      },
      ResultPath: '$.replication',
      Next: 'Is the full load done?',
    },
    'Is the full load done?': { Type: 'Choice', Choices: [{ Variable: '$.replication.fullLoadComplete', BooleanEquals: true, Next: 'Ready for cutover' }], Default: 'Wait for the full load' },
    'Ready for cutover': { Type: 'Succeed' },
  },
});

/**
 * Ferry's failure path: a step fails (its function is not deployed in moto, so invoking it fails
 * for real), the Catch moves on to the failure report, whose error and Lambda-shaped cause the
 * Fail state ends the execution with.
 */
const LAMBDA_CAUSE = JSON.stringify({
  errorType: 'ReplicationStartError',
  errorMessage: 'DMS task ferry-orders did not start: the source endpoint test failed (FATAL: password authentication failed for user "ferry")',
  trace: ['ReplicationStartError: DMS task ferry-orders did not start', '    at startReplication (/var/task/index.js:1:2)'],
});

const failing = (region: string) => ({
  StartAt: 'Start replication',
  States: {
    'Start replication': {
      Type: 'Task',
      Resource: FUNCTION(region, 'StartReplication'),
      ResultPath: '$.replicationStart',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Report the failure' }],
      End: true,
    },
    'Report the failure': { Type: 'Pass', Result: { error: 'ReplicationStartError', cause: LAMBDA_CAUSE }, ResultPath: '$.failure', Next: 'Migration failed' },
    'Migration failed': { Type: 'Fail', ErrorPath: '$.failure.error', CausePath: '$.failure.cause' },
  },
});

describe('following an execution', () => {
  const moto = useMoto('eu-west-1');
  let counter = 0;

  beforeAll(async () => {
    // moto runs the state machine's ASL itself (its Step Functions parser) instead of answering with a canned history.
    const configured = await fetch(`${moto.endpoint}/moto-api/config`, { method: 'POST', body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }) });
    expect(configured.ok).toBe(true);
  });

  /** Starts an execution of `definition(region)` in a region of its own; the client is in that region. */
  const start = async (definition: (region: string) => unknown) => {
    const region = REGIONS[counter++]!;
    const sfn = new SFNClient({ ...moto.clientConfig(), region });
    const machine = await sfn.send(new CreateStateMachineCommand({ name: 'Ferry-dev-migrate', definition: JSON.stringify(definition(region)), roleArn: ROLE }));
    const execution = await sfn.send(new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, name: `orders-${counter}`, input: JSON.stringify({ migrationId: 'orders' }) }));
    return { arn: execution.executionArn!, sfn, region };
  };
  const follow = async (client: SFNClient, arn: string, options: { json?: boolean } = {}, io: CapturingIoOptions = {}) => {
    const captor = capturingIo(io);
    const code = await followExecution(client, arn, captor, { ...options, pollMs: 20, sleep: shortSleep });
    return { code, stdout: captor.stdout, stderr: captor.stderr };
  };

  it('lists each finished step with its duration and key output and exits 0 when the execution succeeds', async () => {
    // Prepare
    const { arn, sfn } = await start(() => succeeding(0));

    // Act
    const out = await follow(sfn, arn);

    // Assess
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^watching orders-\d+ of Ferry-dev-migrate: (RUNNING|SUCCEEDED) since /);
    expect(out.stdout).toMatch(
      /step "Validate the input" finished in \d+\.\d s: migrationId=orders, runId=run-1, resumed=false, owner=arn:aws:states:eu-west-1:123456789012:e…, leaseSeconds=14400, pollSeconds=60\n/,
    );
    expect(out.stdout).toMatch(/step "Check the full load" finished in \d+\.\d s: migrationId=orders, engine=dms, state=streaming, fullLoadComplete=true, rowsCopied=1200, lagSeconds=2\n/);
    expect(out.stdout).not.toContain('Is the full load done?');
    expect(out.stdout).toMatch(/execution SUCCEEDED after \d+\.\d s/);
  });

  it('shows the failed step and the execution’s error and cause, and exits 1 when it fails', async () => {
    // Prepare
    const { arn, sfn, region } = await start(failing);

    // Act
    const out = await follow(sfn, arn);

    // Assess
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/step "Start replication" failed: Exception: .*Ferry-dev-StartReplication.*\n/);
    expect(out.stdout).toContain(FUNCTION(region, 'StartReplication').split(':').at(-1));
    expect(out.stdout).not.toContain('step "Start replication" finished');
    expect(out.stdout).toMatch(
      /execution FAILED after \d+\.\d s: ReplicationStartError: DMS task ferry-orders did not start: the source endpoint test failed \(FATAL: password authentication failed for user "ferry"\)\n$/,
    );
    expect(out.stdout).not.toContain('trace');
  });

  it('prints one JSON object per event with --json, the last one the end and its exit code', async () => {
    // Prepare
    const { arn, sfn } = await start(failing);

    // Act
    const out = await follow(sfn, arn, { json: true });

    // Assess
    const events = out.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { event: string });
    expect(events[0]).toMatchObject({ event: 'watching', executionArn: arn, status: expect.any(String) });
    expect(events).toContainEqual(expect.objectContaining({ event: 'stepStarted', step: 'Start replication' }));
    expect(events).toContainEqual(expect.objectContaining({ event: 'stepFailed', step: 'Start replication', error: 'Exception' }));
    expect(events.at(-1)).toMatchObject({ event: 'finished', status: 'FAILED', error: 'ReplicationStartError', exitCode: 1, durationMs: expect.any(Number) });
    expect(out.stderr).toBe('');
  });

  it('asks each poll after the first only for the events after the last one it has, and redraws the current state in place on a terminal', async () => {
    // Prepare: moto 5.2.1 ignores reverseOrder, maxResults and nextToken and returns the whole
    // history each time; this client pages its answers as AWS does (newest first with
    // reverseOrder, pages smaller than asked, as the API allows), and logs what each request got.
    const { arn, region } = await start(() => succeeding(1));
    const { client, log } = pagedLikeAws({ ...moto.clientConfig(), region }, 3);

    // Act
    const out = await follow(client, arn, {}, { terminalColumns: 60 });

    // Assess
    expect(out.code).toBe(0);
    const polls = splitIntoPolls(log);
    expect(polls.length).toBeGreaterThan(2);
    const [first, ...later] = polls;
    expect(first!.flatMap((r) => r.ids).sort((a, b) => a - b)).toEqual(range(1, Math.max(...first!.flatMap((r) => r.ids))));
    let known = Math.max(...first!.flatMap((r) => r.ids));
    expect(first![0]!.input.maxResults).toBe(1000);
    for (const poll of later) {
      // Newest first, in pages sized after the few events a poll brings, not the API's largest.
      expect(poll.every((r) => r.input.reverseOrder === true && r.input.maxResults! < 1000)).toBe(true);
      // Every page but the last holds only new events: paging stops at the first known one.
      for (const request of poll.slice(0, -1)) expect(Math.min(...request.ids)).toBeGreaterThan(known);
      known = Math.max(known, ...poll.flatMap((r) => r.ids));
    }
    expect(out.stdout.match(/step "Check the full load" finished/g)).toHaveLength(1);
    expect(out.stderr).toContain('\r\x1b[2Kin "Wait for the full load", 00:0');
  });

  it('stops watching on Ctrl-C without touching the execution and says how to watch it again', async () => {
    // Prepare
    const { arn, sfn } = await start(() => succeeding(30));
    let interrupt: (() => Promise<unknown>) | undefined;
    const captor = capturingIo();
    const io: CliIo = { ...captor, out: captor.out, err: captor.err, onInterrupt: (stop) => void (interrupt = stop) };

    // Act: Ctrl-C while the watch waits between two polls, once it has seen the execution reach its Wait state
    // (moto runs the execution on its own: on a busy machine the first polls may still see it in the state before)
    const code = await followExecution(sfn, arn, io, {
      pollMs: 20,
      sleep: async () => {
        if (captor.stderr.includes('in "Wait for the full load"')) return void interrupt!();
        await shortSleep();
      },
    });

    // Assess
    expect(code).toBe(130);
    expect(captor.stderr).toMatch(/(^|\n)in "Wait for the full load", 00:\d\d elapsed\nstopped watching/);
    expect(captor.stderr.split('\n').at(-2)).toBe(`stopped watching; the execution goes on. Watch it again with: ferry watch ${arn}`);
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status).toBe('RUNNING');
  });

  // moto answers every call it models; a denied one needs the SDK mock, shaped as AWS's answer is.
  it('exits 2 with one line naming states:GetExecutionHistory when the caller may not read the history', async () => {
    // Prepare
    const arn = 'arn:aws:states:eu-west-1:123456789012:execution:Ferry-dev-migrate:orders-1';
    const client = new SFNClient({ region: 'eu-west-1' });
    const mock = mockClient(client);
    mock.on(DescribeExecutionCommand).resolves({ executionArn: arn, stateMachineArn: `${arn.replace(':execution:', ':stateMachine:').replace(/:orders-1$/, '')}`, status: 'RUNNING', startDate: new Date() });
    mock.on(GetExecutionHistoryCommand).rejects(
      new SFNServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400, requestId: 'TEST-REQUEST-ID', attempts: 1, totalRetryDelay: 0 },
        message: `User: arn:aws:sts::123456789012:assumed-role/ferry-operator/alice is not authorized to perform: states:GetExecutionHistory on resource: ${arn} because no identity-based policy allows the states:GetExecutionHistory action`,
      }),
    );

    // Act
    const out = await follow(client, arn);

    // Assess
    expect(out.code).toBe(2);
    expect(out.stderr.trimEnd().split('\n')).toEqual([
      `ferry: access denied: arn:aws:sts::123456789012:assumed-role/ferry-operator/alice may not call states:GetExecutionHistory on ${arn}; grant that IAM action to the role you use (AccessDeniedException)`,
    ]);
  });
});

interface HistoryRequest {
  readonly input: GetExecutionHistoryCommandInput;
  readonly ids: readonly number[];
}

/** An SFN client whose GetExecutionHistory answers are paged as AWS pages them; `log` has 'describe' per DescribeExecution. */
function pagedLikeAws(config: SFNClientConfig, pageSize: number): { client: SFNClient; log: (HistoryRequest | 'describe')[] } {
  const client = new SFNClient(config);
  const log: (HistoryRequest | 'describe')[] = [];
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  client.send = (async (command: unknown) => {
    if (command instanceof DescribeExecutionCommand) log.push('describe');
    const answer = await send(command);
    if (!(command instanceof GetExecutionHistoryCommand)) return answer;
    const reverse = command.input.reverseOrder === true;
    // The token is the last id a page returned: the next page goes on from it, however much the history grew since.
    const after = command.input.nextToken === undefined ? undefined : Number(command.input.nextToken);
    const all = [...((answer as GetExecutionHistoryCommandOutput).events ?? [])]
      .filter((e) => after === undefined || (reverse ? e.id! < after : e.id! > after))
      .sort((a, b) => (reverse ? b.id! - a.id! : a.id! - b.id!));
    const events = all.slice(0, Math.min(command.input.maxResults || 100, pageSize));
    log.push({ input: command.input, ids: events.map((e) => e.id!) });
    return { ...(answer as object), events, ...(events.length < all.length ? { nextToken: String(events.at(-1)!.id) } : {}) };
  }) as SFNClient['send'];
  return { client, log };
}

function splitIntoPolls(log: readonly (HistoryRequest | 'describe')[]): HistoryRequest[][] {
  const polls: HistoryRequest[][] = [];
  for (const entry of log) {
    if (entry === 'describe') polls.push([]);
    else polls.at(-1)!.push(entry);
  }
  return polls;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
