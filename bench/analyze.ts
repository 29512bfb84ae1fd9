/**
 * Benchmark: warming the target (ANALYZE of the selected tables, after the full load and before a
 * cutover's freeze) costs per table, not per row. One embedded PostgreSQL server, one table of each
 * size, the real analyze step through the local runtime. Reports each size's time and its ratio to
 * the smallest size, measured in the same run.
 *
 *   npm run bench:analyze -- [--sizes 100000,1000000,10000000] [--json]
 */
import { Command } from 'commander';
import pg from 'pg';
import { analyzeStep } from '../lambdas/analyze/step';
import { CheckpointStore } from '../lambdas/shared/checkpoints';
import { createCheckpointTable, createLocalDocumentClient, startDynalite } from '../local/dynalite';
import { startPostgres } from '../local/postgres';
import { localRuntime } from '../local/runtime';
import { positiveInts, progressLog } from './common';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const options = new Command()
  .option('--sizes <list>', 'rows in the table, one ANALYZE per size', positiveInts, [100_000, 1_000_000, 10_000_000])
  .option('--json', 'print only the JSON document')
  .parse()
  .opts<{ sizes: number[]; json?: boolean }>();
const log = progressLog(options.json);
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bench-AbCdEf';

async function main(): Promise<void> {
  const server = await startPostgres({ database: 'target', settings: { shared_buffers: '256MB', max_wal_size: '8GB' } });
  const dynamo = await startDynalite();
  const client = createLocalDocumentClient(dynamo.endpoint);
  try {
    const results: Array<{ rows: number; ms: number; ratio: number }> = [];
    for (const rows of options.sizes) {
      const db = new pg.Client({ connectionString: server.url });
      await db.connect();
      log(`loading ${rows.toLocaleString('en-US')} rows`);
      await db.query('drop table if exists big; create table big (id bigint primary key, customer int, amount numeric(12,2), note text)');
      await db.query(`insert into big select i, i % 10007, (i % 1000) / 10.0, md5(i::text) from generate_series(1, $1::bigint) i`, [rows]);
      // As a full load leaves it: no statistics yet.
      await db.query('select pg_stat_reset()');
      await db.end();
      const tableName = `checkpoints-${rows}`;
      await createCheckpointTable(client, tableName);
      const endpoint = { host: server.host, port: server.port, database: server.database, secretArn: SECRET, sslMode: 'require' as const };
      const runtime = localRuntime({
        store: new CheckpointStore({ client, tableName }),
        migrations: [{ id: 'bench', source: { ...endpoint, database: 'postgres' }, target: endpoint, replication: { engine: 'native' }, switch: { strategy: 'ssm-parameter', parameterName: '/bench' }, tables: { include: ['public.big'] } }],
        secrets: { [SECRET]: { username: server.user, password: server.password } },
      });
      const output = await analyzeStep({ migrationId: 'bench', when: 'after-full-load' }, runtime);
      if (output.analyzed !== 1) throw new Error(`ANALYZE did not run: ${JSON.stringify(output)}`);
      results.push({ rows, ms: output.ms, ratio: 0 });
      log(`  ANALYZE took ${output.ms} ms`);
    }
    const base = results[0]!.ms;
    const out = results.map((r) => ({ ...r, ratio: Math.round((r.ms / base) * 100) / 100 }));
    process.stdout.write(`${JSON.stringify({ benchmark: 'analyze', baseline: `${out[0]!.rows} rows`, results: out }, null, 2)}\n`);
  } finally {
    client.destroy();
    await dynamo.stop();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
