/**
 * The pgcopydb row of bench:full-load: `pgcopydb clone` into an empty database (it creates the
 * schema itself: pg_dump/pg_restore pre-data, COPY with --table-jobs, CREATE INDEX with
 * --index-jobs, then constraints and VACUUM ANALYZE of every table), without --follow.
 *
 * Why no --follow: pgcopydb 0.10's follow mode decodes with wal2json (its test_decoding support
 * came later), which is not installed here; and a follow never ends by itself. A plain clone is
 * the fair lower bound of its copy; streaming changes afterwards would only add to it.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian's PostgreSQL 15 client tools, which pgcopydb 0.10 runs (pg_dump, pg_restore). */
const PG15_CLIENT_BIN = '/usr/lib/postgresql/15/bin';
const PGCOPYDB_PATHS = ['/usr/bin/pgcopydb', '/usr/lib/postgresql/15/bin/pgcopydb'];

export const FOLLOW_NOTE =
  'no --follow: pgcopydb 0.10 follows changes only through wal2json, which is not installed, and a follow never ends by itself; ' +
  'the plain clone is the lower bound of its copy, before any streaming';
export const TARGET_NOTE = 'target is an empty database: pgcopydb creates the schema itself (pre-data, then indexes, constraints, VACUUM ANALYZE)';

export type Pgcopydb = { readonly available: true; readonly path: string; readonly version: string; readonly pgDump: string } | { readonly available: false; readonly reason: string };

const env = () => ({ ...process.env, PATH: `${PG15_CLIENT_BIN}:${process.env.PATH ?? ''}` });

/** pgcopydb and the pg_dump it runs; installs the Debian package when missing, if it can. */
export async function findPgcopydb(log: (line: string) => void): Promise<Pgcopydb> {
  let found = PGCOPYDB_PATHS.find((p) => existsSync(p));
  if (!found) {
    log('pgcopydb is missing: apt-get install -y pgcopydb');
    const installed = await run('apt-get', ['install', '-y', 'pgcopydb'], { env: env() }).then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error.message.split('\n').slice(-3).join(' ') : String(error)),
    );
    found = PGCOPYDB_PATHS.find((p) => existsSync(p));
    if (!found) return { available: false, reason: `pgcopydb is not installed and apt-get install -y pgcopydb failed: ${installed ?? 'no binary after install'}` };
  }
  const { stdout } = await run(found, ['version'], { env: env() });
  const version = /pgcopydb version (\S+)/.exec(stdout)?.[1] ?? stdout.trim();
  const pgDump = (await run(path.join(PG15_CLIENT_BIN, 'pg_dump'), ['--version'], { env: env() })).stdout.trim();
  return { available: true, path: found, version, pgDump };
}

export interface CloneResult {
  readonly ms: number;
  /** pgcopydb's own timing table, as it printed it. */
  readonly summary: readonly string[];
  /** The pg_dump pgcopydb said it used. */
  readonly pgDumpUsed?: string;
}

export async function pgcopydbClone(pgcopydb: string, sourceUrl: string, targetUrl: string, jobs: { table: number; index: number }): Promise<CloneResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ferry-bench-pgcopydb-'));
  const args = ['clone', '--source', sourceUrl, '--target', targetUrl, '--table-jobs', String(jobs.table), '--index-jobs', String(jobs.index), '--dir', dir];
  const output: string[] = [];
  try {
    const started = Date.now();
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(pgcopydb, args, { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
      const keep = (chunk: Buffer) => output.push(...chunk.toString('utf8').split(/\r?\n/).filter((l) => l.trim() !== ''));
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.on('error', reject);
      child.on('close', resolve);
    });
    const ms = Date.now() - started;
    if (code !== 0) throw new Error(`pgcopydb clone exited with ${code}:\n${output.slice(-30).join('\n')}`);
    const top = output.findIndex((l) => /^\s*Step\s+Connection\s+Duration/.test(l));
    const summary = top < 0 ? [] : output.slice(top).filter((l) => !/\d\d:\d\d:\d\d \d+ (INFO|LOG|NOTICE|WARN)/.test(l));
    const pgDumpUsed = output.map((l) => /Using pg_dump for Postgres "([^"]+)" at "([^"]+)"/.exec(l)).find(Boolean);
    return { ms, summary, ...(pgDumpUsed ? { pgDumpUsed: `${pgDumpUsed[2]} (${pgDumpUsed[1]})` } : {}) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
