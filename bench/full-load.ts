/**
 * Benchmark: a full load of one source database into a target that already has the schema, three
 * ways, each into a fresh target database, in one run:
 *
 * - native-indexes-present: Ferry's native engine until now (publication, subscription with
 *   copy_data = true, every index present), until every pg_subscription_rel row is 'r';
 * - ferry: the secondary indexes recorded and dropped, the same copy, then the parallel index
 *   builds until every index is valid (ferryFullLoad in full-load-ferry.ts; its copy is a seam
 *   for the parallel copier);
 * - pgcopydb: `pgcopydb clone --table-jobs 2 --index-jobs 2` into an EMPTY database (it creates
 *   the schema), without --follow (full-load-pgcopydb.ts says why).
 *
 * Two PostgreSQL 15 servers (source, target) on this machine, with the same settings for every row
 * (full-load-server.ts). After each row the target's row counts must equal the source's; for
 * ferry every index must be valid and the index definitions those of the source. Ratios are
 * against native-indexes-present and against pgcopydb of the same run.
 *
 *   npm run bench:full-load -- [--rows 1000000] [--repeat 1] [--json]
 *
 * On a shared machine, --repeat runs the three rows in turn that many times and reports each row's
 * median round (with every round's time), and each row says the load average it started under.
 */
import { Command } from 'commander';
import { cpus, loadavg } from 'node:os';
import pg from 'pg';
import { Database } from '../lambdas/shared/pg/connection';
import { qualifiedName } from '../lambdas/shared/pg/identifiers';
import type { ConnectionInfo } from '../lambdas/shared/replication/native/conninfo';
import { progressLog } from './common';
import { PARALLEL_COPY, parallelCopy, replicationOf, subscriptionCopy, type CopyJob } from './full-load-copy';
import { ferryFullLoad } from './full-load-ferry';
import { findPgcopydb, FOLLOW_NOTE, pgcopydbClone, TARGET_NOTE } from './full-load-pgcopydb';
import { BUILD_SETTINGS, SERVER_SETTINGS, startBenchServer, type BenchServer } from './full-load-server';
import { generateSource, SCHEMA_SQL, sourceSizes, TABLES } from './full-load-source';

const options = new Command()
  .option('--rows <n>', 'rows in the source database, all tables together', (v) => Number.parseInt(v, 10), 1_000_000)
  .option('--repeat <n>', 'rounds of the three rows (in turn); each row reports its median round', (v) => Number.parseInt(v, 10), 1)
  .option('--json', 'print only the JSON document')
  // A bad option exits 2, as the CLI's do (commander has printed the one line saying which).
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
  .parse()
  .opts<{ rows: number; repeat: number; json?: boolean }>();
const log = progressLog(options.json);
const SOURCE_DB = 'source';
const POLL_MS = 200;
/** pgcopydb's parallelism is the others': tables copied at a time (the subscription's sync workers), indexes built at a time. */
const JOBS = { table: Number(SERVER_SETTINGS.max_sync_workers_per_subscription), index: BUILD_SETTINGS.concurrentBuilds };

type RowName = 'native-indexes-present' | 'ferry' | 'pgcopydb';

interface RowResult {
  readonly row: RowName;
  readonly seconds: number;
  /** Parts of `seconds`, where the row has them. */
  readonly parts?: Readonly<Record<string, number>>;
  readonly verified: { readonly rowCounts: true; readonly indexesValid: boolean; readonly indexDefinitionsEqualSource: boolean };
  /** `schema.table`: seconds from the copy's start until the table was copied. */
  readonly tableCopied?: Readonly<Record<string, number>>;
  /** Each index build: seconds after the copy when it started, and how long it ran. */
  readonly indexBuilds?: ReadonlyArray<{ readonly index: string; readonly start: number; readonly seconds: number }>;
  /** The machine's 1-minute load average when the row started: other work on the box makes a row slower. */
  readonly loadAverageAtStart: number;
  readonly notes?: readonly string[];
  readonly pgcopydbSummary?: readonly string[];
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const seconds = (ms: number) => Math.round(ms / 10) / 100;
const load1 = () => Math.round(loadavg()[0]! * 100) / 100;
const inSeconds = (ms: Readonly<Record<string, number>> | undefined) => ms && Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, seconds(v)]));

/** Row counts of the benchmark's tables (count(*): exact, and fine for a bench). */
async function rowCounts(url: string): Promise<Record<string, number>> {
  return withClient(url, async (c) => {
    const out: Record<string, number> = {};
    for (const t of TABLES) out[t.name] = Number((await c.query<{ n: string }>(`select count(*) as n from ${qualifiedName(t)}`)).rows[0]!.n);
    return out;
  });
}

/** Every index of the benchmark's tables, keys included: its definition, and whether it is valid and ready. */
async function indexes(url: string): Promise<Array<{ definition: string; valid: boolean }>> {
  return withClient(url, async (c) =>
    (
      await c.query<{ definition: string; valid: boolean }>(
        `select pg_get_indexdef(x.indexrelid) as definition, x.indisvalid and x.indisready as valid
           from pg_index x join pg_class t on t.oid = x.indrelid join pg_namespace n on n.oid = t.relnamespace
          where n.nspname = 'public' and t.relname = any($1::text[]) order by 1`,
        [TABLES.map((t) => t.name)],
      )
    ).rows,
  );
}

async function sizes(url: string): Promise<Array<{ table: string; rows: number; tableBytes: number; indexBytes: number }>> {
  const counts = await rowCounts(url);
  return withClient(url, async (c) =>
    (
      await c.query<{ table: string; table_bytes: string; index_bytes: string }>(
        `select relname as table, pg_table_size(oid)::text as table_bytes, pg_indexes_size(oid)::text as index_bytes
           from pg_class where relnamespace = 'public'::regnamespace and relname = any($1::text[]) order by pg_total_relation_size(oid) desc`,
        [TABLES.map((t) => t.name)],
      )
    ).rows.map((r) => ({ table: r.table, rows: counts[r.table]!, tableBytes: Number(r.table_bytes), indexBytes: Number(r.index_bytes) })),
  );
}

/** Checks a finished target against the source: equal row counts (else throws), and its indexes. */
async function verify(row: RowName, target: BenchServer, database: string, expected: { counts: Record<string, number>; indexes: string[] }): Promise<RowResult['verified']> {
  const counts = await rowCounts(target.url(database));
  for (const [table, n] of Object.entries(expected.counts)) {
    if (counts[table] !== n) throw new Error(`${row}: ${table} has ${counts[table]} rows on the target, ${n} on the source`);
  }
  const found = await indexes(target.url(database));
  const definitions = found.map((i) => i.definition).sort();
  const equal = definitions.length === expected.indexes.length && definitions.every((d, i) => d === expected.indexes[i]);
  const valid = found.every((i) => i.valid);
  return { rowCounts: true, indexesValid: valid, indexDefinitionsEqualSource: equal };
}

async function freshDatabase(server: BenchServer, database: string, schemaSql?: string): Promise<void> {
  await withClient(server.url('postgres'), (c) => c.query(`create database ${database}`));
  if (schemaSql) await withClient(server.url(database), (c) => c.query(schemaSql));
}

async function dropDatabase(server: BenchServer, database: string): Promise<void> {
  await withClient(server.url('postgres'), (c) => c.query(`drop database if exists ${database} with (force)`));
}

/**
 * Nothing left from the previous row to be flushed during the next one, and the target's
 * logical replication launcher idle long enough to start the next subscription's worker at once:
 * it starts workers at most once per wal_retrieve_retry_interval, which back-to-back rows would
 * otherwise pay (a production migration creates its subscription once).
 */
async function settle(sourceUrl: string, targetUrl: string): Promise<void> {
  for (const url of [sourceUrl, targetUrl]) await withClient(url, (c) => c.query('checkpoint'));
  const retryMs = await withClient(targetUrl, async (c) => Number((await c.query<{ ms: string }>(`select setting as ms from pg_settings where name = 'wal_retrieve_retry_interval'`)).rows[0]!.ms));
  await new Promise((resolve) => setTimeout(resolve, retryMs + 500));
}

function connection(server: BenchServer, database: string): ConnectionInfo {
  return { host: server.host, port: server.port, database, user: server.user, password: server.password, sslmode: 'disable' };
}

/** The copy's job between the source and a target database: pools for both, closed by `close`. */
function copyJob(source: BenchServer, target: BenchServer, database: string): CopyJob & { close(): Promise<void> } {
  const pool = (server: BenchServer, db: string, label: string) => new Database({ label, config: { host: server.host, port: server.port, user: server.user, password: server.password, database: db } });
  const sourceDb = pool(source, SOURCE_DB, 'source database');
  const targetDb = pool(target, database, `target database ${database}`);
  return {
    name: `ferry_bench_${database}`,
    source: sourceDb,
    target: targetDb,
    sourceConnection: connection(source, SOURCE_DB),
    targetConnection: connection(target, database),
    tables: TABLES,
    pollMs: POLL_MS,
    close: async () => {
      await sourceDb.close();
      await targetDb.close();
    },
  };
}

/** Removes the row's replication, and the marker table the native engine put on the source, so the next row starts from the same source. */
async function stopReplication(job: CopyJob, source: BenchServer): Promise<void> {
  await replicationOf(job).stop();
  await withClient(source.url(SOURCE_DB), (c) => c.query('drop schema if exists ferry cascade'));
}

interface RowContext {
  readonly source: BenchServer;
  readonly target: BenchServer;
  readonly expected: { counts: Record<string, number>; indexes: string[] };
  /** Round number, so every round loads into a database of its own name. */
  readonly round: number;
}

async function nativeRow({ source, target, expected, round }: RowContext): Promise<RowResult> {
  const row: RowName = 'native-indexes-present';
  const database = `target_native_${round}`;
  await freshDatabase(target, database, SCHEMA_SQL);
  await settle(source.url(SOURCE_DB), target.url('postgres'));
  const job = copyJob(source, target, database);
  log(`${row}: subscription copy with every index present`);
  try {
    const loadAverageAtStart = load1();
    const started = Date.now();
    const copied = await subscriptionCopy(job);
    const ms = Date.now() - started;
    log(`  ${seconds(ms)} s`);
    const verified = await verify(row, target, database, expected);
    await stopReplication(job, source);
    return { row, seconds: seconds(ms), parts: { copy: seconds(ms) }, verified, loadAverageAtStart, tableCopied: inSeconds(copied.tableCopiedMs) };
  } finally {
    await job.close();
    // A failed row's leftovers must not hide its error; the servers go at the end anyway.
    await dropDatabase(target, database).catch(() => undefined);
  }
}

async function ferryRow({ source, target, expected, round }: RowContext): Promise<RowResult> {
  const row: RowName = 'ferry';
  const database = `target_ferry_${round}`;
  await freshDatabase(target, database, SCHEMA_SQL);
  await settle(source.url(SOURCE_DB), target.url('postgres'));
  const job = copyJob(source, target, database);
  log(`${row}: secondary indexes deferred, parallel copy (${PARALLEL_COPY.workers} workers, tables above ${PARALLEL_COPY.parallelTableBytes / 1024 / 1024} MB in ${PARALLEL_COPY.rangesPerTable} ranges), parallel index builds`);
  try {
    const connect = async () => {
      const client = new pg.Client({ connectionString: target.url(database) });
      await client.connect();
      return client;
    };
    const loadAverageAtStart = load1();
    const load = await ferryFullLoad({ job, connect, build: BUILD_SETTINGS, copy: parallelCopy });
    log(`  ${seconds(load.totalMs)} s (drop ${seconds(load.deferMs)}, copy ${seconds(load.copyMs)}, indexes ${seconds(load.indexMs)})`);
    const verified = await verify(row, target, database, expected);
    if (!verified.indexesValid || !verified.indexDefinitionsEqualSource) throw new Error(`ferry: the target's indexes differ from the source's after the builds: ${JSON.stringify(verified)}`);
    await stopReplication(job, source);
    return {
      row,
      seconds: seconds(load.totalMs),
      parts: { dropIndexes: seconds(load.deferMs), copy: seconds(load.copyMs), buildIndexes: seconds(load.indexMs) },
      verified,
      loadAverageAtStart,
      tableCopied: inSeconds(load.copy.tableCopiedMs),
      indexBuilds: [...load.builds].sort((a, b) => a.startMs - b.startMs).map((b) => ({ index: b.index, start: seconds(b.startMs), seconds: seconds(b.ms) })),
      notes: [`${load.plan.indexes.length} secondary indexes deferred; builds: ${BUILD_SETTINGS.concurrentBuilds} at a time (one per table), ${BUILD_SETTINGS.parallelWorkers} parallel workers each`],
    };
  } finally {
    await job.close();
    // A failed row's leftovers must not hide its error; the servers go at the end anyway.
    await dropDatabase(target, database).catch(() => undefined);
  }
}

async function pgcopydbRow({ source, target, expected, round }: RowContext, pgcopydb: string): Promise<RowResult> {
  const row: RowName = 'pgcopydb';
  const database = `target_pgcopydb_${round}`;
  await freshDatabase(target, database);
  await settle(source.url(SOURCE_DB), target.url('postgres'));
  log(`${row}: pgcopydb clone --table-jobs ${JOBS.table} --index-jobs ${JOBS.index} into an empty database`);
  try {
    const loadAverageAtStart = load1();
    const clone = await pgcopydbClone(pgcopydb, source.url(SOURCE_DB), target.url(database), JOBS);
    log(`  ${seconds(clone.ms)} s`);
    const verified = await verify(row, target, database, expected);
    const notes = [TARGET_NOTE, FOLLOW_NOTE, ...(clone.pgDumpUsed ? [`pg_dump used: ${clone.pgDumpUsed}`] : [])];
    return { row, seconds: seconds(clone.ms), verified, loadAverageAtStart, notes, pgcopydbSummary: clone.summary };
  } finally {
    // A failed row's leftovers must not hide its error; the servers go at the end anyway.
    await dropDatabase(target, database).catch(() => undefined);
  }
}

/** The sample of median time (the lower middle one of an even count), with every sample's time. */
function medianSample(samples: RowResult[]): RowResult & { samples?: number[] } {
  const sorted = [...samples].sort((a, b) => a.seconds - b.seconds);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return samples.length > 1 ? { ...median, samples: samples.map((s) => s.seconds) } : median;
}

/** A bad option: one line naming it, exit 2, nothing started. */
class UsageError extends Error {}

async function main(): Promise<void> {
  if (!Number.isSafeInteger(options.rows) || options.rows < 10) throw new UsageError(`--rows must be a whole number of at least 10, got ${process.argv[process.argv.indexOf('--rows') + 1] ?? options.rows}`);
  if (!Number.isSafeInteger(options.repeat) || options.repeat < 1) throw new UsageError(`--repeat must be a whole number of at least 1, got ${process.argv[process.argv.indexOf('--repeat') + 1] ?? options.repeat}`);
  const pgcopydb = await findPgcopydb(log);
  log('starting the source and target servers (PostgreSQL 15)');
  const [source, target] = await Promise.all([startBenchServer(), startBenchServer()]);
  try {
    const planned = sourceSizes(options.rows);
    log(`generating the source: ${options.rows.toLocaleString('en-US')} rows`);
    await freshDatabase(source, SOURCE_DB);
    const generateStarted = Date.now();
    await withClient(source.url(SOURCE_DB), (c) => generateSource(c, planned, log));
    log(`  ${seconds(Date.now() - generateStarted)} s`);
    const sourceUrl = source.url(SOURCE_DB);
    const expected = { counts: await rowCounts(sourceUrl), indexes: (await indexes(sourceUrl)).map((i) => i.definition).sort() };
    const serverVersion = await withClient(sourceUrl, async (c) => (await c.query<{ v: string }>('select version() as v')).rows[0]!.v);
    const rounds: RowResult[][] = [];
    for (let round = 1; round <= options.repeat; round++) {
      if (options.repeat > 1) log(`round ${round} of ${options.repeat}`);
      const context = { source, target, expected, round };
      const samples = [await nativeRow(context), await ferryRow(context)];
      if (pgcopydb.available) samples.push(await pgcopydbRow(context, pgcopydb.path));
      rounds.push(samples);
    }
    const skipped = pgcopydb.available ? undefined : pgcopydb.reason;
    if (skipped) log(`pgcopydb: skipped (${skipped})`);
    const results = rounds[0]!.map((first) => medianSample(rounds.map((samples) => samples.find((r) => r.row === first.row)!)));

    const native = results.find((r) => r.row === 'native-indexes-present')!.seconds;
    const pgcopydbSeconds = results.find((r) => r.row === 'pgcopydb')?.seconds;
    const ratio = (s: number, base: number | undefined) => (base === undefined || base === 0 ? null : Math.round((s / base) * 100) / 100);
    const document = {
      benchmark: 'full-load',
      rows: options.rows,
      repeat: options.repeat,
      sizes: await sizes(sourceUrl),
      baseline: 'native-indexes-present',
      results: results.map((r) => ({ ...r, vsNativeIndexesPresent: ratio(r.seconds, native), vsPgcopydb: ratio(r.seconds, pgcopydbSeconds) })),
      ...(skipped ? { pgcopydbSkipped: skipped } : {}),
      environment: {
        cores: cpus().length,
        loadAverageAtEnd: load1(),
        server: serverVersion,
        pgcopydb: pgcopydb.available ? `${pgcopydb.version} (${pgcopydb.pgDump})` : null,
        pgcopydbFollow: false,
        servers: 'source and target: two PostgreSQL 15 servers on 127.0.0.1 of this machine, sharing its cores',
        settings: SERVER_SETTINGS,
        indexBuilds: BUILD_SETTINGS,
        pgcopydbJobs: JOBS,
        node: process.version,
      },
    };
    if (options.json) process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    else process.stdout.write(humanTable(document));
  } finally {
    await Promise.all([source.stop(), target.stop()]);
  }
}

function humanTable(doc: {
  rows: number;
  sizes: Array<{ table: string; rows: number; tableBytes: number; indexBytes: number }>;
  repeat: number;
  results: Array<RowResult & { samples?: number[]; vsNativeIndexesPresent: number | null; vsPgcopydb: number | null }>;
  pgcopydbSkipped?: string;
  environment: { cores: number; server: string; pgcopydb: string | null };
}): string {
  const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`;
  const lines = [
    `full load of ${doc.rows.toLocaleString('en-US')} rows (${doc.environment.cores} cores; ${doc.environment.server.split(' on ')[0]}; pgcopydb ${doc.environment.pgcopydb ?? 'skipped'})`,
    '',
    ...doc.sizes.map((s) => `  ${s.table.padEnd(10)} ${s.rows.toLocaleString('en-US').padStart(12)} rows  table ${mb(s.tableBytes).padStart(8)}  indexes ${mb(s.indexBytes).padStart(8)}`),
    '',
    `${'row'.padEnd(24)}${'seconds'.padStart(9)}${'vs native'.padStart(11)}${'vs pgcopydb'.padStart(13)}${'load'.padStart(6)}  parts`,
    ...doc.results.map(
      (r) =>
        `${r.row.padEnd(24)}${r.seconds.toFixed(2).padStart(9)}${(r.vsNativeIndexesPresent?.toFixed(2) ?? '-').padStart(11)}${(r.vsPgcopydb?.toFixed(2) ?? '-').padStart(13)}${r.loadAverageAtStart.toFixed(1).padStart(6)}  ` +
        Object.entries(r.parts ?? {})
          .map(([k, v]) => `${k} ${v.toFixed(2)}`)
          .join(', ') +
        (r.samples ? `  (rounds: ${r.samples.map((x) => x.toFixed(2)).join(', ')})` : ''),
    ),
    ...(doc.repeat > 1 ? [`(each row: its median of ${doc.repeat} rounds)`] : []),
    `(load: the machine's 1-minute load average when the row started; ratios < 1 are faster)`,
    '',
    ...doc.results.map((r) => `${r.row}: verified: row counts equal the source's; indexes ${r.verified.indexesValid ? 'all valid' : 'NOT all valid'}, definitions ${r.verified.indexDefinitionsEqualSource ? 'equal' : 'DIFFERENT from'} the source's`),
    ...doc.results.flatMap((r) => (r.tableCopied ? [`${r.row}: tables copied after (s): ${Object.entries(r.tableCopied).map(([t, v]) => `${t} ${v.toFixed(2)}`).join(', ')}`] : [])),
    ...doc.results.flatMap((r) => (r.indexBuilds ? [`${r.row}: index builds (start after copy + duration, s): ${r.indexBuilds.map((b) => `${b.index} ${b.start.toFixed(2)}+${b.seconds.toFixed(2)}`).join(', ')}`] : [])),
    ...doc.results.flatMap((r) => (r.notes ?? []).map((n) => `${r.row}: ${n}`)),
    ...(doc.pgcopydbSkipped ? [`pgcopydb skipped: ${doc.pgcopydbSkipped}`] : []),
    ...doc.results.flatMap((r) => (r.pgcopydbSummary?.length ? ['', 'pgcopydb summary:', ...r.pgcopydbSummary] : [])),
    '',
  ];
  return lines.join('\n');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`bench:full-load: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
