/**
 * Benchmark of the data comparison (issue: "Compare engine"), against its baseline measured in
 * the same run: COPY <table> TO '/dev/null' on both servers at once, i.e. reading both tables
 * once. Prints JSON (and a short summary on stderr unless --json).
 *
 *   npm run bench:compare -- [--rows N] [--runs R] [--no-analyze] [--json]
 *
 * --no-analyze adds the same cases on tables that have no planner statistics at all, as a target
 * right after a bulk load: loaded into a table that already has its primary key, never vacuumed
 * or analyzed, autovacuum off for it (so none appear during the run). The analyzed cases run
 * first, as without the option. Each comparison run follows a baseline run of its own, and each
 * case's ratio is its median against the median of those baselines (`baselineMs`).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import pg from 'pg';
import { startPostgres, type LocalPostgres } from '../local/postgres';
import { progressLog } from './common';

const options = new Command()
  .option('--rows <n>', 'rows in pgbench_accounts on each server', (v) => Number(v), 10_000_000)
  .option('--runs <n>', 'repetitions of each measurement (the median is reported)', (v) => Number(v), 3)
  .option('--no-analyze', 'also measure on freshly loaded tables without statistics (never vacuumed or analyzed)')
  .option('--json', 'print only the JSON document')
  .parse()
  .opts<{ rows: number; runs: number; analyze: boolean; json?: boolean }>();

const log = progressLog(options.json);

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

const FILL = `insert into pgbench_accounts select aid, (aid - 1) / 100000 + 1, 0, '' from generate_series(1, $1) aid`;

/** pgbench_accounts as `pgbench -i` makes it: aid primary key, 100,000 accounts per branch. */
async function loadAnalyzed(db: LocalPostgres, rows: number): Promise<void> {
  await withClient(db, async (c) => {
    await c.query('create table pgbench_accounts (aid int not null, bid int, abalance int, filler char(84)) with (fillfactor = 100)');
    await c.query(FILL, [rows]);
    await c.query('alter table pgbench_accounts add primary key (aid)');
    await c.query('vacuum analyze pgbench_accounts');
  });
}

/**
 * As a replication target is loaded: into a table that has its key already (so even pg_class has
 * no row count: reltuples -1), with no statistics for the planner and none to come.
 */
async function loadWithoutStatistics(db: LocalPostgres, rows: number): Promise<void> {
  await withClient(db, async (c) => {
    await c.query('drop table if exists pgbench_accounts');
    await c.query(`create table pgbench_accounts (aid int primary key, bid int, abalance int, filler char(84))
      with (fillfactor = 100, autovacuum_enabled = false, toast.autovacuum_enabled = false)`);
    await c.query(FILL, [rows]);
  });
}

/** What the planner knows about the table: proves the no-analyze case had no statistics. */
async function plannerKnowledge(db: LocalPostgres): Promise<{ reltuples: number; statisticsRows: number; vacuumedOrAnalyzed: boolean }> {
  return withClient(db, async (c) => {
    const { rows } = await c.query<{ reltuples: number; stats: string; touched: boolean }>(
      `select c.reltuples::float8 as reltuples,
              (select count(*) from pg_statistic s where s.starelid = c.oid)::text as stats,
              (s.last_vacuum is not null or s.last_autovacuum is not null or s.last_analyze is not null or s.last_autoanalyze is not null) as touched
         from pg_class c join pg_stat_user_tables s on s.relid = c.oid
        where c.oid = 'pgbench_accounts'::regclass`,
    );
    return { reltuples: rows[0]!.reltuples, statisticsRows: Number(rows[0]!.stats), vacuumedOrAnalyzed: rows[0]!.touched };
  });
}

async function baseline(dbs: LocalPostgres[]): Promise<number> {
  const started = performance.now();
  await Promise.all(dbs.map((db) => withClient(db, (c) => c.query(`copy pgbench_accounts to '/dev/null'`))));
  return performance.now() - started;
}

/**
 * CPU time of a server's finished backends: the postmaster reaps each one when its connection
 * closes, and Linux adds its CPU time to the postmaster's cutime and cstime (fields 16 and 17 of
 * /proc/<pid>/stat, in USER_HZ = 100 ticks a second). Unlike wall time it does not grow when
 * other work on the machine takes the CPU away, so it shows the work a comparison costs.
 */
async function postmasterPid(db: LocalPostgres): Promise<number> {
  return withClient(db, async (c) => {
    const backend = (await c.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
    return Number(procStat(backend)[1]);
  });
}

/** Fields of /proc/<pid>/stat from the state on (the name in parentheses may hold spaces). */
function procStat(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

const reapedCpuMs = (postmaster: number) => {
  const fields = procStat(postmaster);
  return (Number(fields[13]) + Number(fields[14])) * 10;
};

/** Waits until the server has no client backend but ours: the ones measured have been reaped. */
async function backendsGone(db: LocalPostgres): Promise<void> {
  await withClient(db, async (c) => {
    for (let i = 0; i < 100; i++) {
      const { rows } = await c.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()`,
      );
      if (rows[0]!.n === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
}

/** Server CPU ms (both servers) spent by `fn`'s connections. */
async function serverCpuMs<T>(servers: LocalPostgres[], postmasters: number[], fn: () => Promise<T>): Promise<[T, number]> {
  await Promise.all(servers.map(backendsGone));
  const before = postmasters.map(reapedCpuMs);
  const result = await fn();
  await Promise.all(servers.map(backendsGone));
  return [result, postmasters.reduce((acc, pm, i) => acc + reapedCpuMs(pm) - before[i]!, 0)];
}

interface WorkerResult {
  durationMs: number;
  cpuMs: number;
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

interface Runs {
  baselineMs: number[];
  baselineCpuMs: number[];
  compares: WorkerResult[];
  compareServerCpuMs: number[];
}

/**
 * Each comparison right after a baseline of its own: on a shared machine the load drifts, and
 * pairs measured together see the same load.
 */
async function interleavedRuns(runs: number, servers: [LocalPostgres, LocalPostgres]): Promise<Runs> {
  const postmasters = await Promise.all(servers.map(postmasterPid));
  const out: Runs = { baselineMs: [], baselineCpuMs: [], compares: [], compareServerCpuMs: [] };
  for (let i = 0; i < runs; i++) {
    const [ms, baselineCpu] = await serverCpuMs(servers, postmasters, () => baseline(servers));
    out.baselineMs.push(ms);
    out.baselineCpuMs.push(baselineCpu);
    const [compared, compareCpu] = await serverCpuMs(servers, postmasters, () => compareOnce(...servers));
    out.compares.push(compared);
    out.compareServerCpuMs.push(compareCpu);
  }
  return out;
}

/** Equal tables, then three planted differences, each against baselines taken between its runs. */
async function measureCases(servers: [LocalPostgres, LocalPostgres], rows: number, label: string) {
  const target = servers[1];
  // Warm both caches the same way for every measurement; the first read of freshly loaded pages
  // also sets their hint bits, and the checkpoint writes them out before anything is timed.
  await baseline(servers);
  await Promise.all(servers.map((db) => withClient(db, (c) => c.query('checkpoint'))));

  const equalRuns = await interleavedRuns(options.runs, servers);
  log(`${label}: equal tables: ${median(equalRuns.compares.map((r) => r.durationMs)).toFixed(0)} ms, baseline ${median(equalRuns.baselineMs).toFixed(0)} ms`);

  // Three planted differences: one row missing, one extra, one changed (in the middle).
  const changedAid = Math.ceil(rows / 2);
  const missingAid = Math.max(1, Math.floor(rows / 3));
  await withClient(target, async (c) => {
    await c.query('delete from pgbench_accounts where aid = $1', [missingAid]);
    await c.query(`insert into pgbench_accounts values ($1, 1, 0, '')`, [rows + 1]);
    await c.query('update pgbench_accounts set abalance = abalance + 1 where aid = $1', [changedAid]);
  });
  const diffRuns = await interleavedRuns(options.runs, servers);
  log(`${label}: three differences: ${median(diffRuns.compares.map((r) => r.durationMs)).toFixed(0)} ms, baseline ${median(diffRuns.baselineMs).toFixed(0)} ms`);
  const found = diffRuns.compares[0]!.tables[0]!;
  const named = (r: WorkerResult) => JSON.stringify({ ...r.tables[0], durationMs: 0 });
  const exact =
    diffRuns.compares.every((r) => named(r) === named(diffRuns.compares[0]!)) &&
    found.missingTotal === 1 &&
    found.extraTotal === 1 &&
    found.changedTotal === 1 &&
    JSON.stringify(found.missing) === JSON.stringify([{ aid: missingAid }]) &&
    JSON.stringify(found.extra) === JSON.stringify([{ aid: rows + 1 }]) &&
    JSON.stringify(found.changed) === JSON.stringify([{ key: { aid: changedAid }, columns: ['abalance'] }]);

  const figures = ({ baselineMs, baselineCpuMs, compares, compareServerCpuMs }: Runs) => {
    const ms = median(compares.map((r) => r.durationMs));
    const base = median(baselineMs);
    const serverCpu = median(compareServerCpuMs);
    const workerCpu = median(compares.map((r) => r.cpuMs));
    const baseCpu = median(baselineCpuMs);
    return {
      ms: Math.round(ms),
      baselineMs: Math.round(base),
      ratioToBaseline: +(ms / base).toFixed(2),
      rowsPerSecond: Math.round(rows / (ms / 1000)),
      peakRssMb: Math.round(Math.max(...compares.map((r) => r.maxRssKb)) / 1024),
      cpu: {
        serverMs: Math.round(serverCpu),
        workerMs: Math.round(workerCpu),
        baselineServerMs: Math.round(baseCpu),
        serverRatioToBaseline: +(serverCpu / baseCpu).toFixed(2),
      },
      eachRun: { ms: compares.map((r) => Math.round(r.durationMs)), baselineMs: baselineMs.map(Math.round) },
    };
  };
  return {
    baseline: {
      what: "COPY pgbench_accounts TO '/dev/null' on both servers at once, before each comparison run",
      ms: Math.round(median([...equalRuns.baselineMs, ...diffRuns.baselineMs])),
    },
    equal: figures(equalRuns),
    threeDifferences: {
      ...figures(diffRuns),
      namedExactly: exact,
      found: { missing: found.missing, extra: found.extra, changed: found.changed },
    },
  };
}

async function main(): Promise<void> {
  const rows = options.rows;
  log(`starting two PostgreSQL servers and loading ${rows.toLocaleString('en')} rows into each...`);
  const servers = (await Promise.all([startPostgres({ settings: SETTINGS }), startPostgres({ settings: SETTINGS })])) as [LocalPostgres, LocalPostgres];
  try {
    const loadStarted = performance.now();
    await Promise.all(servers.map((db) => loadAnalyzed(db, rows)));
    log(`loaded in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`);
    const analyzed = await measureCases(servers, rows, 'analyzed');

    let noAnalyze: object | undefined;
    if (!options.analyze) {
      log(`reloading ${rows.toLocaleString('en')} rows into each, without statistics...`);
      const reloadStarted = performance.now();
      await Promise.all(servers.map((db) => loadWithoutStatistics(db, rows)));
      log(`loaded in ${((performance.now() - reloadStarted) / 1000).toFixed(1)} s`);
      const cases = await measureCases(servers, rows, 'no statistics');
      const [source, target] = await Promise.all(servers.map(plannerKnowledge));
      noAnalyze = {
        load: 'primary key before the load; never vacuumed or analyzed; autovacuum off for the table',
        ...cases,
        plannerKnewAfterwards: { source, target },
      };
    }

    const report = {
      benchmark: 'compare',
      rows,
      runs: options.runs,
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
      ...analyzed,
      ...(noAnalyze ? { noAnalyze } : {}),
      targets: {
        equalRatio: 1.5,
        differencesRatio: 2.5,
        peakRssMb: 300,
        ...(noAnalyze ? { noAnalyze: { equalRatio: 1.3, differencesRatio: 1.5 } } : {}),
      },
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
