/**
 * What the benchmarks share: their options, their progress lines, and the two-server setup of the
 * cutover benchmarks (cutover.ts, freeze.ts): the application role, the secrets, one native
 * migration between the servers whose clients follow a MemorySwitch.
 */
import pg from 'pg';
import type { CheckpointStore } from '../lambdas/shared/checkpoints';
import type { MigrationConfigInput } from '../lambdas/shared/migration-config';
import { MemorySwitch } from '../lambdas/shared/switch/switch';
import { WRITES_TABLE_SQL } from '../local/continuous-writer';
import type { LocalPostgres } from '../local/postgres';
import { localRuntime, type LocalRuntime } from '../local/runtime';

/** An option's value `1,2,3`: positive whole numbers separated by commas. */
export function positiveInts(v: string): number[] {
  const out = v.split(',').map(Number);
  if (out.some((n) => !Number.isSafeInteger(n) || n < 1)) throw new Error(`expected positive whole numbers separated by commas, got '${v}'`);
  return out;
}

/** Progress lines on stderr; none with `--json` (only the JSON document is printed). */
export function progressLog(json: boolean | undefined): (line: string) => void {
  return (line) => {
    if (!json) process.stderr.write(`${line}\n`);
  };
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The role the benchmark's write clients connect as, on both servers. */
export const APP = { user: 'app', password: 'app-bench' };
const SECRETS = { source: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bench-source-AbCdEf', target: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bench-target-AbCdEf' };

/** One statement on `database`, in a connection of its own as the server's superuser. */
export async function sql(db: LocalPostgres, database: string, text: string, values?: unknown[]): Promise<pg.QueryResult> {
  const c = new pg.Client({ host: db.host, port: db.port, user: db.user, password: db.password, database });
  await c.connect();
  try {
    return await c.query(text, values);
  } finally {
    await c.end();
  }
}

/**
 * Creates `database` and the APP role (if missing) on the server, and in the database the writes
 * table and `tablesSql`, all of it writable by APP.
 */
export async function createAppDatabase(db: LocalPostgres, database: string, tablesSql: string): Promise<void> {
  await sql(db, 'postgres', `create database ${database}`);
  await sql(db, 'postgres', `do $$ begin create role app login password '${APP.password}'; exception when duplicate_object then null; end $$`);
  await sql(db, database, `${WRITES_TABLE_SQL}; ${tablesSql};
    grant select, insert, update, delete on all tables in schema public to app; grant usage on all sequences in schema public to app;`);
}

export interface NativeMigrationOptions {
  readonly store: CheckpointStore;
  readonly id: string;
  readonly source: LocalPostgres;
  readonly target: LocalPostgres;
  /** The database migrated, of the same name on both servers. */
  readonly database: string;
  readonly freeze: MigrationConfigInput['freeze'];
}

/** The local runtime of one native migration from `source` to `target`; `clients` is the switch the write clients follow. */
export function nativeMigration(options: NativeMigrationOptions): { runtime: LocalRuntime; clients: MemorySwitch } {
  const { id, source, target, database } = options;
  const endpoint = (db: LocalPostgres) => ({ host: db.host, port: db.port, database });
  const clients = new MemorySwitch({ source: endpoint(source), target: endpoint(target) });
  const runtime = localRuntime({
    store: options.store,
    migrations: [
      {
        id,
        source: { ...endpoint(source), secretArn: SECRETS.source, sslMode: 'require' },
        target: { ...endpoint(target), secretArn: SECRETS.target, sslMode: 'require' },
        replication: { engine: 'native' },
        switch: { strategy: 'ssm-parameter', parameterName: '/bench/db' },
        freeze: options.freeze,
      },
    ],
    secrets: { [SECRETS.source]: { username: source.user, password: source.password }, [SECRETS.target]: { username: target.user, password: target.password } },
    switches: { [id]: clients },
  });
  return { runtime, clients };
}
