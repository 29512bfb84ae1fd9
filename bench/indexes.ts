/**
 * Benchmark: a full load into a target with its secondary indexes present, against the same load
 * with them deferred (recorded and dropped before, built again after, in parallel). One embedded
 * PostgreSQL server; the copy is an INSERT ... SELECT from a staging table in the same database, a
 * stand-in for the subscription's COPY (same index maintenance per row, no network). Ratios are
 * against the indexes-present load of the same run.
 *
 *   npm run bench:indexes -- [--rows 1000000] [--json]
 */
import { Command } from 'commander';
import pg from 'pg';
import { Database } from '../lambdas/shared/pg/connection';
import { buildIndexes, deferIndexes, type IndexPlan } from '../lambdas/shared/indexes/deferred';
import { startPostgres } from '../local/postgres';
import { progressLog } from './common';

const options = new Command()
  .option('--rows <n>', 'rows in the table', (v) => Number.parseInt(v, 10), 1_000_000)
  .option('--json', 'print only the JSON document')
  .parse()
  .opts<{ rows: number; json?: boolean }>();
const log = progressLog(options.json);
const TABLE = `create table big (id bigint primary key, customer int, amount numeric(12,2), note text);
  create index big_customer_idx on big (customer); create index big_note_idx on big (note)`;

async function main(): Promise<void> {
  const server = await startPostgres({ database: 'target', settings: { shared_buffers: '256MB', max_wal_size: '8GB' } });
  const connect = async () => {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    return client;
  };
  const db = await connect();
  try {
    await db.query(`create unlogged table staging as select i::bigint as id, (i % 10007)::int as customer, ((i % 1000) / 10.0)::numeric(12,2) as amount, md5(i::text) as note from generate_series(1, $1::bigint) i`, [options.rows]);
    const results: Array<{ variant: string; ms: number; copyMs: number; indexMs: number; ratio?: number }> = [];
    for (const variant of ['indexes present', 'indexes deferred']) {
      await db.query(`drop table if exists big; ${TABLE}`);
      await db.query('checkpoint');
      log(`${variant}: loading ${options.rows.toLocaleString('en-US')} rows`);
      const started = Date.now();
      let plan: IndexPlan | undefined;
      const target = new Database({ label: 'target database', config: { connectionString: server.url } });
      if (variant === 'indexes deferred') await deferIndexes(target, [{ schema: 'public', name: 'big' }], { load: async () => plan, save: async (p) => void (plan = p) }, true);
      await db.query('insert into big select * from staging');
      const copied = Date.now();
      if (plan) {
        const built = await buildIndexes(target, connect, plan, { maintenanceWorkMemMb: 256, parallelWorkers: 2, concurrentBuilds: 2 }, Date.now() + 3_600_000, 100);
        if (!built.done) throw new Error(`indexes not built: ${JSON.stringify(built)}`);
      }
      const ms = Date.now() - started;
      await target.close();
      results.push({ variant, ms, copyMs: copied - started, indexMs: ms - (copied - started) });
      log(`  ${ms} ms`);
    }
    const base = results[0]!.ms;
    process.stdout.write(`${JSON.stringify({ benchmark: 'indexes', rows: options.rows, secondaryIndexes: 2, baseline: 'indexes present', results: results.map((r) => ({ ...r, ratio: Math.round((r.ms / base) * 100) / 100 })) }, null, 2)}\n`);
  } finally {
    await db.end();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
