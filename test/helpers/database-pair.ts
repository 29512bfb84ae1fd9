import pg from 'pg';
import { afterAll, beforeEach } from 'vitest';
import { Database } from '../../lambdas/shared/pg/connection';
import { usePostgres } from './postgres';

/** Two fresh, empty databases: one on each server, with SQL runners and comparison pools. */
export interface DatabasePair {
  readonly source: Database;
  readonly target: Database;
  readonly sourceUrl: string;
  readonly targetUrl: string;
  /** Runs SQL (several statements allowed) on the source, the target, or both. */
  sourceSql(sql: string, values?: unknown[]): Promise<pg.QueryResult>;
  targetSql(sql: string, values?: unknown[]): Promise<pg.QueryResult>;
  bothSql(sql: string): Promise<void>;
}

/**
 * A source and a target PostgreSQL server for the test file; `freshPair()` makes a new database
 * on each, so every test starts from nothing and tests stay independent. Everything is closed
 * and stopped after the file.
 */
export function usePostgresPair(): { freshPair(): Promise<DatabasePair> } {
  const servers = [usePostgres(), usePostgres()] as const;
  const closers: Array<() => Promise<void>> = [];
  let counter = 0;
  afterAll(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function freshDatabase(server: (typeof servers)[number], name: string): Promise<string> {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    try {
      await admin.query(`create database ${pg.escapeIdentifier(name)}`);
    } finally {
      await admin.end();
    }
    const url = new URL(server.url);
    url.pathname = `/${name}`;
    return url.toString();
  }

  async function runner(url: string) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    closers.push(() => client.end());
    return (sql: string, values?: unknown[]) => client.query(sql, values);
  }

  return {
    async freshPair() {
      const name = `t${++counter}`;
      const [sourceUrl, targetUrl] = await Promise.all([freshDatabase(servers[0], name), freshDatabase(servers[1], name)]);
      const source = new Database({ label: 'source database', config: { connectionString: sourceUrl } });
      const target = new Database({ label: 'target database', config: { connectionString: targetUrl } });
      closers.push(() => source.close(), () => target.close());
      const sourceSql = await runner(sourceUrl);
      const targetSql = await runner(targetUrl);
      return {
        source,
        target,
        sourceUrl,
        targetUrl,
        sourceSql,
        targetSql,
        async bothSql(sql) {
          await Promise.all([sourceSql(sql), targetSql(sql)]);
        },
      };
    },
  };
}

/**
 * `usePostgresPair()` with a new pair of databases before each test of the file (or describe
 * block) that calls it: every property read goes to the running test's pair, so a test starts
 * from nothing without asking for it.
 */
export function useFreshPairEachTest(): DatabasePair {
  const servers = usePostgresPair();
  let current: DatabasePair | undefined;
  beforeEach(async () => {
    current = await servers.freshPair();
  });
  const pair = (): DatabasePair => {
    if (current === undefined) throw new Error('the database pair is made before each test: use it inside a test or hook');
    return current;
  };
  return {
    get source() {
      return pair().source;
    },
    get target() {
      return pair().target;
    },
    get sourceUrl() {
      return pair().sourceUrl;
    },
    get targetUrl() {
      return pair().targetUrl;
    },
    sourceSql: (sql, values) => pair().sourceSql(sql, values),
    targetSql: (sql, values) => pair().targetSql(sql, values),
    bothSql: (sql) => pair().bothSql(sql),
  };
}
