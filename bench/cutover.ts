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
import { CheckpointStore } from '../lambdas/shared/checkpoints';
import { ContinuousWriter, auditWrites } from '../local/continuous-writer';
import { createCheckpointTable, createLocalDocumentClient, startDynalite } from '../local/dynalite';
import { startPostgres } from '../local/postgres';
import { longestGapMs as gap } from '../local/rehearsal/report';
import { LOCAL_STEPS } from '../local/steps';
import { runWorkflow } from '../local/workflow-runner';
import { APP, createAppDatabase, median, nativeMigration, progressLog, sql } from './common';

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

const log = progressLog(options.json);

async function main(): Promise<void> {
  const [source, target] = await Promise.all([startPostgres(), startPostgres()]);
  const dynamo = await startDynalite();
  const runs: Array<{ windowMs: number; baselineGapMs: number; frozenMs: number; drainMs: number; committed: number; lost: number; duplicated: number }> = [];
  try {
    const client = createLocalDocumentClient(dynamo.endpoint);
    for (let run = 1; run <= options.runs; run++) {
      const database = `bench_${run}`;
      for (const db of [source, target]) await createAppDatabase(db, database, 'create table items (id bigint primary key, payload text)');
      await sql(source, database, `insert into items select i, md5(i::text) from generate_series(1, ${options.rows}) i`);
      const tableName = `bench-${run}`;
      await createCheckpointTable(client, tableName);
      const id = `bench-${run}`;
      const { runtime, clients } = nativeMigration({
        store: new CheckpointStore({ client, tableName }),
        id,
        source,
        target,
        database,
        freeze: { roles: ['app'], method: options.method },
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
      const rows = (await sql(target, database, 'select id from writes')).rows as Array<{ id: string }>;
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

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
