/**
 * Benchmark: the cutover's write freeze does not grow with the data (issue: "Verified cutover at
 * any size"). For each size, two embedded PostgreSQL servers, native replication, a table of that
 * many rows, and the same write load throughout: `--clients` clients, each write inserting a row
 * with a unique id and updating a random row of the big table (so the changes spread over all of
 * it). The real migrate workflow (with change capture and its full comparison) and then the real
 * cutover run through the local runner, with the verification schedule running as in AWS.
 *
 * Per size it reports: the write-unavailability window (the longest gap between two committed
 * writes of a client around the cutover), the baseline (the same clients' longest gap over the
 * same time with no cutover, in the same run), how long writes were frozen on the server, and the
 * final check's work (rows verified, from how many change records) against the writes the clients
 * made during the cutover. Prints JSON (and progress on stderr unless --json).
 *
 *   npm run bench:freeze -- [--sizes 1000000,5000000,20000000] [--clients 2] [--runs 1] [--json]
 */
import { Command } from 'commander';
import type pg from 'pg';
import { CheckpointStore } from '../lambdas/shared/checkpoints';
import { auditWrites, ContinuousWriter } from '../local/continuous-writer';
import { createCheckpointTable, createLocalDocumentClient, startDynalite } from '../local/dynalite';
import { startPostgres } from '../local/postgres';
import { LOCAL_STEPS } from '../local/steps';
import { longestGapMs as gap } from '../local/rehearsal/report';
import { LocalVerificationSchedule } from '../local/verification-schedule';
import { runWorkflow } from '../local/workflow-runner';
import { APP, createAppDatabase, median, nativeMigration, positiveInts, progressLog, sql } from './common';

// The AWS SDK warns on every start that its 2027 releases need Node.js 22 (DESIGN.md, toolchain):
// noise for an operator here, so silenced before any client is made.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const options = new Command()
  .option('--sizes <list>', 'rows in the big table, one cutover per size', positiveInts, [1_000_000, 5_000_000, 20_000_000])
  .option('--clients <n>', 'application clients writing throughout', (v) => positiveInts(v)[0]!, 2)
  .option('--runs <n>', 'cutovers per size (the median is reported)', (v) => positiveInts(v)[0]!, 1)
  .option('--json', 'print only the JSON document')
  .parse()
  .opts<{ sizes: number[]; clients: number; runs: number; json?: boolean }>();

const log = progressLog(options.json);
const DATABASE = 'bench';
const SETTINGS = { shared_buffers: '512MB', max_wal_size: '8GB', checkpoint_timeout: '30min', max_logical_replication_workers: '8', max_sync_workers_per_subscription: '4' };
const LOAD_CHUNK = 1_000_000;
/** The schedule's interval here; in AWS a round runs every minute. */
const VERIFY_INTERVAL_MS = 5_000;

interface Run {
  readonly windowMs: number;
  readonly baselineGapMs: number;
  readonly sourceFrozenMs: number;
  readonly finalCheckMs: number;
  readonly keysVerified: number;
  readonly changeRecords: { readonly source: number; readonly target: number };
  readonly writesDuringCutover: number;
  /** How long each state from the source's freeze to the target's thaw took. */
  readonly frozenSteps: Readonly<Record<string, number>>;
  readonly committed: number;
  readonly lost: number;
  readonly duplicated: number;
}

async function oneCutover(rows: number, run: number): Promise<Run> {
  const [source, target, dynamo] = await Promise.all([startPostgres({ settings: SETTINGS }), startPostgres({ settings: SETTINGS }), startDynalite()]);
  const writers: ContinuousWriter[] = [];
  let schedule: LocalVerificationSchedule | undefined;
  try {
    for (const db of [source, target]) await createAppDatabase(db, DATABASE, 'create table accounts (id bigint primary key, balance numeric(14,2) not null, note text)');
    const loadStarted = performance.now();
    for (let from = 1; from <= rows; from += LOAD_CHUNK) {
      await sql(source, DATABASE, `insert into accounts select i, i % 10000, md5(i::text) from generate_series($1::bigint, $2::bigint) i`, [from, Math.min(rows, from + LOAD_CHUNK - 1)]);
    }
    log(`  ${rows.toLocaleString('en-US')} rows loaded in ${Math.round(performance.now() - loadStarted)} ms`);
    const client = createLocalDocumentClient(dynamo.endpoint);
    await createCheckpointTable(client, 'bench');
    const id = `freeze-${run}`;
    const { runtime, clients } = nativeMigration({
      store: new CheckpointStore({ client, tableName: 'bench' }),
      id,
      source,
      target,
      database: DATABASE,
      freeze: { roles: ['app'] },
    });
    const write = (client: pg.Client, writeId: string) =>
      client.query(`with w as (insert into writes (id) values ($1)) update accounts set balance = balance + 1, note = $1 where id = $2`, [writeId, 1 + Math.floor(Math.random() * rows)]);
    for (let i = 0; i < options.clients; i++) writers.push(new ContinuousWriter(() => clients.endpoint(), APP, `c${i + 1}`, 2, write));
    for (const w of writers) w.start();
    schedule = new LocalVerificationSchedule(runtime, [id], VERIFY_INTERVAL_MS);
    schedule.start();

    const migrateStarted = performance.now();
    const migrated = await runWorkflow('migrate', { migrationId: id }, { runtime, steps: LOCAL_STEPS, waitMs: 200 });
    if (migrated.status !== 'SUCCEEDED') throw new Error(`migrate failed: ${JSON.stringify(migrated)}`);
    log(`  migrate (full load, capture, full comparison) took ${Math.round(performance.now() - migrateStarted)} ms`);
    // A freshly loaded table gets autovacuumed (and analyzed) soon after its load, on both
    // servers: minutes of I/O and WAL that grow with the table and would land in the middle of
    // the cutover. Done here first, as an operator would let it finish before cutting over, so
    // that every size runs its cutover under the same load: the clients' writes.
    const vacuumStarted = performance.now();
    await Promise.all([source, target].map((db) => sql(db, DATABASE, 'vacuum (analyze) accounts')));
    log(`  vacuum (analyze) of both databases took ${Math.round(performance.now() - vacuumStarted)} ms`);

    // Baseline: the same clients, the same length of time, nothing happening; then a round, as the schedule would have run one by now.
    const mark = () => writers.map((w) => w.attempts.length);
    const baselineFrom = mark();
    await new Promise((r) => setTimeout(r, 3000));
    const baselineGapMs = Math.max(...writers.map((w, i) => gap(w.attempts.slice(baselineFrom[i]))));
    const cutoverFrom = mark();
    const stateStarted = new Map<string, number>();
    const cut = await runWorkflow('cutover', { migrationId: id }, {
      runtime,
      steps: LOCAL_STEPS,
      waitMs: 200,
      onTask: ({ state }) => void stateStarted.set(state, performance.now()),
    });
    if (cut.status !== 'SUCCEEDED') throw new Error(`cutover failed: ${JSON.stringify(cut)}`);
    const checkMs = stateStarted.get('Prepare reverse replication')! - stateStarted.get('Verify the changes with writes frozen')!;
    const order = [...stateStarted.entries()].sort((a, b) => a[1] - b[1]);
    const from = order.findIndex(([name]) => name === 'Freeze writes on the source');
    const to = order.findIndex(([name]) => name === 'Record phase cut-over');
    const frozenSteps = Object.fromEntries(order.slice(from, to).map(([name, at], i) => [name, Math.round(order[from + i + 1]![1] - at)]));
    await Promise.all(writers.map((w) => w.committedMore(100)));
    await schedule.stop();
    for (const w of writers) await w.stop();
    const windowMs = Math.max(...writers.map((w, i) => gap(w.attempts.slice(cutoverFrom[i]))));
    const writesDuringCutover = writers.reduce((sum, w, i) => sum + w.attempts.slice(cutoverFrom[i]).filter((a) => a.committed && a.at <= stateStarted.get('Release the migration lock')!).length, 0);
    const output = cut.output as { writesFrozenMs: number; keysVerified: number; changesSinceLastRound: { source: number; target: number } };
    const onTarget = (await sql(target, DATABASE, 'select id from writes')).rows as Array<{ id: string }>;
    const audit = auditWrites(writers.flatMap((w) => w.committed()), onTarget);
    return {
      windowMs,
      baselineGapMs,
      sourceFrozenMs: output.writesFrozenMs,
      finalCheckMs: Math.round(checkMs),
      keysVerified: output.keysVerified,
      changeRecords: output.changesSinceLastRound,
      writesDuringCutover,
      frozenSteps,
      committed: writers.reduce((s, w) => s + w.committed().length, 0),
      lost: audit.lost.length,
      duplicated: audit.duplicated.length,
    };
  } finally {
    await schedule?.stop();
    for (const w of writers) await w.stop().catch(() => undefined);
    await Promise.all([source.stop(), target.stop(), dynamo.stop()]);
  }
}

async function main(): Promise<void> {
  const sizes: Array<{ rows: number; runs: Run[] }> = [];
  for (const rows of options.sizes) {
    const runs: Run[] = [];
    for (let run = 1; run <= options.runs; run++) {
      log(`${rows.toLocaleString('en-US')} rows, run ${run}`);
      const r = await oneCutover(rows, run);
      log(
        `  window ${r.windowMs} ms (baseline gap ${r.baselineGapMs} ms), source frozen ${r.sourceFrozenMs} ms, final check ${r.finalCheckMs} ms: ` +
          `${r.keysVerified} rows verified from ${r.changeRecords.source}+${r.changeRecords.target} change records; ${r.writesDuringCutover} writes during the cutover, lost ${r.lost}`,
      );
      log(`  with writes frozen: ${Object.entries(r.frozenSteps).map(([name, ms]) => `${name} ${ms} ms`).join(', ')}`);
      runs.push(r);
    }
    sizes.push({ rows, runs });
  }
  const summary = sizes.map(({ rows, runs }) => ({
    rows,
    writeUnavailableMs: median(runs.map((r) => r.windowMs)),
    baselineGapMs: median(runs.map((r) => r.baselineGapMs)),
    sourceFrozenMs: median(runs.map((r) => r.sourceFrozenMs)),
    finalCheckMs: median(runs.map((r) => r.finalCheckMs)),
    finalCheckRowsVerified: median(runs.map((r) => r.keysVerified)),
    writesDuringCutover: median(runs.map((r) => r.writesDuringCutover)),
    lostWrites: runs.reduce((s, r) => s + r.lost, 0),
    duplicateWrites: runs.reduce((s, r) => s + r.duplicated, 0),
    runs,
  }));
  const smallest = summary[0]!;
  const largest = summary.at(-1)!;
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'cutover-freeze-by-size',
        clients: options.clients,
        sizes: summary,
        windowRatioLargestToSmallest: Math.round((largest.writeUnavailableMs / Math.max(1, smallest.writeUnavailableMs)) * 100) / 100,
        targets: {
          windowRatio: { limit: 1.25, met: largest.writeUnavailableMs <= 1.25 * smallest.writeUnavailableMs },
          windowMs: { limit: 500, met: summary.every((s) => s.writeUnavailableMs < 500) },
        },
      },
      null,
      2,
    )}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
