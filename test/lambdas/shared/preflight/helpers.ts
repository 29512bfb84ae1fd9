import pg from 'pg';
import { afterAll, expect } from 'vitest';
import type { CheckResult, PreflightCheck, PreflightContext } from '../../../../lambdas/shared/preflight/check';
import { Database } from '../../../../lambdas/shared/pg/connection';

/** Every user table, the usual selection in these tests. */
export const ALL_TABLES = { include: ['*.*'] } as const;

/** A context over two databases with the defaults the migration config would give (native engine). */
export function contextOf(dbs: { source: Database; target: Database }, overrides: Partial<PreflightContext> = {}): PreflightContext {
  return { source: dbs.source, target: dbs.target, engine: 'native', selection: ALL_TABLES, ...overrides };
}

/** Runs one check the way the runner does, with its id. */
export async function runCheck(check: PreflightCheck, ctx: PreflightContext): Promise<CheckResult> {
  return { id: check.id, ...(await check.run(ctx)) };
}

/** `Database` pools over URLs, all closed after the file. */
export function useDatabases(): (url: string, label?: string, config?: pg.ClientConfig) => Database {
  const open: Database[] = [];
  afterAll(async () => {
    await Promise.all(open.splice(0).map((db) => db.close()));
  });
  return (url, label = 'source database', config = {}) => {
    const db = new Database({ label, config: { connectionString: url, ...config } });
    open.push(db);
    return db;
  };
}

/** Runs SQL (several statements allowed) on a fresh connection to the URL. */
export async function sql(url: string, text: string, values?: unknown[]): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

/** A client kept open (a session holding a transaction, a replication connection), ended after the file. */
export function useClients(): (config: pg.ClientConfig) => Promise<pg.Client> {
  const open: pg.Client[] = [];
  afterAll(async () => {
    await Promise.all(open.splice(0).map((c) => c.end().catch(() => undefined)));
  });
  return async (config) => {
    const client = new pg.Client(config);
    await client.connect();
    open.push(client);
    return client;
  };
}

/** The same URL with another user and password (roles created by the test, password auth on 127.0.0.1). */
export function asUser(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  return u.toString();
}

/** The same server with another database name. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** The sentence the replication checks add about the parallel initial copies of a native replication. */
export const parallelCopiesSentence = (n: number): string =>
  `Parallel initial copies: ${n}, from the target's max_sync_workers_per_subscription; change it in the server's parameters (RDS: parameter group).`;

/**
 * Sets a reloadable server setting for the length of `fn` (ALTER SYSTEM and a reload, as an
 * operator changes a server parameter), then resets it. Waits until new sessions see each value.
 */
export async function withServerSetting<T>(url: string, name: string, value: string, fn: () => Promise<T>): Promise<T> {
  const current = async () => (await sql(url, 'select pg_catalog.current_setting($1) as v', [name])).rows[0].v as string;
  const apply = async (statement: string, expected: string) => {
    await sql(url, statement);
    await sql(url, 'select pg_catalog.pg_reload_conf()');
    await expect.poll(current).toBe(expected);
  };
  const before = await current();
  await apply(`alter system set ${name} = '${value.replace(/'/g, "''")}'`, value);
  try {
    return await fn();
  } finally {
    await apply(`alter system reset ${name}`, before);
  }
}
