/**
 * Benchmark of the data comparison (issue: "Compare engine"), against its baseline measured in
 * the same run: COPY <table> TO '/dev/null' on both servers at once, i.e. reading both tables
 * once. Prints JSON (and a short summary on stderr unless --json).
 *
 *   npm run bench:compare -- [--rows N] [--runs R] [--json]
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { Command } from 'commander';
import pg from 'pg';
import { startPostgres, type LocalPostgres } from '../local/postgres';

const options = new Command()
  .option('--rows <n>', 'rows in pgbench_accounts on each server', (v) => Number(v), 10_000_000)
  .option('--runs <n>', 'repetitions of each measurement (the median is reported)', (v) => Number(v), 3)
  .option('--json', 'print only the JSON document')
  .parse()
  .opts<{ rows: number; runs: number; json?: boolean }>();

const log = (line: string) => {
  if (!options.json) process.stderr.write(`${line}\n`);
};

const SETTINGS = { shared_buffers: '512MB', max_wal_size: '4GB', checkpoint_timeout: '30min', synchronous_commit: 'off' };

async function withClient<T>(db: LocalPostgres, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** pgbench_accounts as `pgbench -i` makes it: aid primary key, 100,000 accounts per branch. */
async function load(db: LocalPostgres, rows: number): Promise<void> {
  await withClient(db, async (c) => {
    await c.query('create table pgbench_accounts (aid int not null, bid int, abalance int, filler char(84)) with (fillfactor = 100)');
    await c.query(`insert into pgbench_accounts select aid, (aid - 1) / 100000 + 1, 0, '' from generate_series(1, $1) aid`, [rows]);
    await c.query('alter table pgbench_accounts add primary key (aid)');
    await c.query('vacuum analyze pgbench_accounts');
  });
}

async function baseline(dbs: LocalPostgres[]): Promise<number> {
  const started = performance.now();
  await Promise.all(dbs.map((db) => withClient(db, (c) => c.query(`copy pgbench_accounts to '/dev/null'`))));
  return performance.now() - started;
}

interface WorkerResult {
  durationMs: number;
  maxRssKb: number;
  tables: Array<{ rows: number; missing: unknown[]; extra: unknown[]; changed: Array<{ key: unknown; columns: string[] }>; missingTotal: number; extraTotal: number; changedTotal: number }>;
}

function compareOnce(source: LocalPostgres, target: LocalPostgres): Promise<WorkerResult> {
  const tsx = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [path.join(__dirname, 'compare-worker.ts'), source.url, target.url], {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as WorkerResult) : reject(new Error(`compare worker exited ${code}`))));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(runs: number, fn: () => Promise<number>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await fn());
  return times;
}

async function main(): Promise<void> {
  const rows = options.rows;
  log(`starting two PostgreSQL servers and loading ${rows.toLocaleString('en')} rows into each...`);
  const servers = await Promise.all([startPostgres({ settings: SETTINGS }), startPostgres({ settings: SETTINGS })]);
  const [source, target] = servers as [LocalPostgres, LocalPostgres];
  try {
    const loadStarted = performance.now();
    await Promise.all(servers.map((db) => load(db, rows)));
    log(`loaded in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`);

    // Warm both caches the same way for every measurement.
    await baseline(servers);
    const baselineTimes = await measure(options.runs, () => baseline(servers));
    log(`baseline (COPY both at once): ${median(baselineTimes).toFixed(0)} ms`);

    const equalRuns: WorkerResult[] = [];
    await measure(options.runs, async () => {
      const r = await compareOnce(source, target);
      equalRuns.push(r);
      return r.durationMs;
    });
    log(`equal tables: ${median(equalRuns.map((r) => r.durationMs)).toFixed(0)} ms`);

    // Three planted differences: one row missing, one extra, one changed (in the middle).
    const changedAid = Math.ceil(rows / 2);
    const missingAid = Math.max(1, Math.floor(rows / 3));
    await withClient(target, async (c) => {
      await c.query('delete from pgbench_accounts where aid = $1', [missingAid]);
      await c.query(`insert into pgbench_accounts values ($1, 1, 0, '')`, [rows + 1]);
      await c.query('update pgbench_accounts set abalance = abalance + 1 where aid = $1', [changedAid]);
    });
    const diffRuns: WorkerResult[] = [];
    await measure(options.runs, async () => {
      const r = await compareOnce(source, target);
      diffRuns.push(r);
      return r.durationMs;
    });
    const found = diffRuns[0]!.tables[0]!;
    const named = (r: WorkerResult) => JSON.stringify(({ ...r.tables[0], durationMs: 0 }));
    const exact =
      diffRuns.every((r) => named(r) === named(diffRuns[0]!)) &&
      found.missingTotal === 1 &&
      found.extraTotal === 1 &&
      found.changedTotal === 1 &&
      JSON.stringify(found.missing) === JSON.stringify([{ aid: missingAid }]) &&
      JSON.stringify(found.extra) === JSON.stringify([{ aid: rows + 1 }]) &&
      JSON.stringify(found.changed) === JSON.stringify([{ key: { aid: changedAid }, columns: ['abalance'] }]);

    const base = median(baselineTimes);
    const equalMs = median(equalRuns.map((r) => r.durationMs));
    const diffMs = median(diffRuns.map((r) => r.durationMs));
    const report = {
      benchmark: 'compare',
      rows,
      runs: options.runs,
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
      baseline: { what: "COPY pgbench_accounts TO '/dev/null' on both servers at once", ms: Math.round(base) },
      equal: {
        ms: Math.round(equalMs),
        ratioToBaseline: +(equalMs / base).toFixed(2),
        rowsPerSecond: Math.round(rows / (equalMs / 1000)),
        peakRssMb: Math.round(Math.max(...equalRuns.map((r) => r.maxRssKb)) / 1024),
      },
      threeDifferences: {
        ms: Math.round(diffMs),
        ratioToBaseline: +(diffMs / base).toFixed(2),
        rowsPerSecond: Math.round(rows / (diffMs / 1000)),
        peakRssMb: Math.round(Math.max(...diffRuns.map((r) => r.maxRssKb)) / 1024),
        namedExactly: exact,
        found: { missing: found.missing, extra: found.extra, changed: found.changed },
      },
      targets: { equalRatio: 1.5, differencesRatio: 2.5, peakRssMb: 300 },
    };
    process.stdout.write(`${JSON.stringify(report, null, options.json ? undefined : 2)}\n`);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
