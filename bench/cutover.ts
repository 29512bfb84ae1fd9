/**
 * Benchmark of the cutover's write-unavailability window (issue: "Cutover and automated
 * rollback"): two embedded PostgreSQL servers, native replication, the real migrate and cutover
 * workflows through the local runner, and one client writing continuously through the switch.
 * The window is the longest gap between two committed writes around the cutover, as the client
 * saw it; the baseline, measured in the same run, is the longest gap of the same client over the
 * same time with no cutover. Prints JSON (and a summary on stderr unless --json).
 *
 *   npm run bench:cutover -- [--runs R] [--rows N] [--method revoke|read-only] [--json]
 */
import { Command } from 'commander';
import pg from 'pg';
import { CheckpointStore } from '../lambdas/shared/checkpoints';
import { MemorySwitch } from '../lambdas/shared/switch/switch';
import { ContinuousWriter, auditWrites, WRITES_TABLE_SQL } from '../local/continuous-writer';
import { createCheckpointTable, createLocalDocumentClient, startDynalite } from '../local/dynalite';
import { startPostgres, type LocalPostgres } from '../local/postgres';
import { localRuntime } from '../local/runtime';
import { LOCAL_STEPS } from '../local/steps';
import { runWorkflow } from '../local/workflow-runner';

// The AWS SDK warns on every start that its 2027 releases need Node.js 22 (DESIGN.md, toolchain):
// noise for an operator here, so silenced before any client is made.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const options = new Command()
  .option('--runs <n>', 'cutovers measured (the median is reported)', (v) => Number(v), 3)
  .option('--rows <n>', 'rows in the migrated table besides the writes table', (v) => Number(v), 100_000)
  .option('--method <m>', "freeze method: 'revoke' or 'read-only'", 'revoke')
  .option('--json', 'print only the JSON document')
  .parse()
  .opts<{ runs: number; rows: number; method: 'revoke' | 'read-only'; json?: boolean }>();

const log = (line: string) => {
  if (!options.json) process.stderr.write(`${line}\n`);
};
const APP = { user: 'app', password: 'app-bench' };
const SECRETS = { source: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bench-source-AbCdEf', target: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bench-target-AbCdEf' };

async function sql(db: LocalPostgres, database: string, text: string): Promise<void> {
  const c = new pg.Client({ host: db.host, port: db.port, user: db.user, password: db.password, database });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const [source, target] = await Promise.all([startPostgres(), startPostgres()]);
  const dynamo = await startDynalite();
  const runs: Array<{ windowMs: number; baselineGapMs: number; frozenMs: number; drainMs: number; committed: number; lost: number; duplicated: number }> = [];
  try {
    const client = createLocalDocumentClient(dynamo.endpoint);
    for (let run = 1; run <= options.runs; run++) {
      const database = `bench_${run}`;
      for (const db of [source, target]) {
        await sql(db, 'postgres', `create database ${database}`);
        await sql(db, 'postgres', `do $$ begin create role app login password '${APP.password}'; exception when duplicate_object then null; end $$`);
        await sql(db, database, `${WRITES_TABLE_SQL}; create table items (id bigint primary key, payload text);
          grant select, insert, update, delete on all tables in schema public to app; grant usage on all sequences in schema public to app;`);
      }
      await sql(source, database, `insert into items select i, md5(i::text) from generate_series(1, ${options.rows}) i`);
      const tableName = `bench-${run}`;
      await createCheckpointTable(client, tableName);
      const endpoint = (db: LocalPostgres) => ({ host: db.host, port: db.port, database });
      const clients = new MemorySwitch({ source: endpoint(source), target: endpoint(target) });
      const id = `bench-${run}`;
      const runtime = localRuntime({
        store: new CheckpointStore({ client, tableName }),
        migrations: [
          {
            id,
            source: { ...endpoint(source), secretArn: SECRETS.source, sslMode: 'require' },
            target: { ...endpoint(target), secretArn: SECRETS.target, sslMode: 'require' },
            replication: { engine: 'native' },
            switch: { strategy: 'ssm-parameter', parameterName: '/bench/db' },
            freeze: { roles: ['app'], method: options.method },
          },
        ],
        secrets: { [SECRETS.source]: { username: source.user, password: source.password }, [SECRETS.target]: { username: target.user, password: target.password } },
        switches: { [id]: clients },
      });
      const flow = (workflow: string) => runWorkflow(workflow, { migrationId: id }, { runtime, steps: LOCAL_STEPS, waitMs: 50 });
      const writer = new ContinuousWriter(() => clients.endpoint(), APP, id);
      writer.start();
      const migrated = await flow('migrate');
      if (migrated.status !== 'SUCCEEDED') throw new Error(`migrate failed: ${JSON.stringify(migrated)}`);
      // Baseline: the same client, the same length of time, nothing happening.
      const baselineStart = writer.attempts.length;
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, 3000));
      const baselineGapMs = gap(writer.attempts.slice(baselineStart));
      const cutoverStart = writer.attempts.length;
      const cut = await flow('cutover');
      if (cut.status !== 'SUCCEEDED') throw new Error(`cutover failed: ${JSON.stringify(cut)}`);
      await writer.committedMore(200);
      await writer.stop();
      const windowMs = gap(writer.attempts.slice(cutoverStart));
      const output = cut.output as { writesFrozenMs: number; drainMs: number };
      const targetRows = await new pg.Client({ host: target.host, port: target.port, user: target.user, password: target.password, database });
      await targetRows.connect();
      const rows = (await targetRows.query<{ id: string }>('select id from writes')).rows;
      await targetRows.end();
      const audit = auditWrites(writer.committed(), rows);
      runs.push({ windowMs, baselineGapMs, frozenMs: output.writesFrozenMs, drainMs: output.drainMs, committed: writer.committed().length, lost: audit.lost.length, duplicated: audit.duplicated.length });
      log(`run ${run}: window ${windowMs} ms (baseline gap ${baselineGapMs} ms over ${Math.round(performance.now() - t0)} ms), frozen ${output.writesFrozenMs} ms, drain ${output.drainMs} ms, lost ${audit.lost.length}`);
    }
  } finally {
    await Promise.all([source.stop(), target.stop(), dynamo.stop()]);
  }
  const windowMs = median(runs.map((r) => r.windowMs));
  const baselineGapMs = median(runs.map((r) => r.baselineGapMs));
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'cutover-write-unavailability',
        method: options.method,
        rows: options.rows,
        runs,
        writeUnavailableMs: windowMs,
        baselineGapMs,
        ratioToBaseline: Math.round((windowMs / Math.max(1, baselineGapMs)) * 10) / 10,
        serverFrozenMs: median(runs.map((r) => r.frozenMs)),
        lostWrites: runs.reduce((s, r) => s + r.lost, 0),
        duplicateWrites: runs.reduce((s, r) => s + r.duplicated, 0),
      },
      null,
      2,
    )}\n`,
  );
}

/** Longest time between consecutive committed writes of these attempts. */
function gap(attempts: ReadonlyArray<{ committed: boolean; at: number }>): number {
  const times = attempts.filter((a) => a.committed).map((a) => a.at);
  let longest = 0;
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i]! - times[i - 1]!);
  return Math.round(longest);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
