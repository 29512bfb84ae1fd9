import { afterEach, expect, vi } from 'vitest';
import { NativeEngine, type ConnectionInfo, type NativeEngineOptions } from '../../../../../lambdas/shared/replication/native/engine';
import { usePostgresPair, type DatabasePair } from '../../../../helpers/database-pair';

/** How the other server reaches a database given by URL (all servers here listen on 127.0.0.1). */
export function connectionOf(url: string): ConnectionInfo {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port),
    database: decodeURIComponent(u.pathname.slice(1)),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    sslmode: 'disable',
  };
}

export interface NativePair extends DatabasePair {
  /** Unique per test (slot names are per server, and every test of a file shares the servers). */
  readonly name: string;
  readonly engine: NativeEngine;
  /** The reverse direction, built directly (prepareReverse creates what it uses). */
  readonly reverse: NativeEngine;
  /** Another forward engine over the same pair, with changed options. */
  engineWith(options: Partial<NativeEngineOptions>): NativeEngine;
}

/**
 * Two servers for the file; `fresh()` gives each test new databases and engines named after them.
 * Every engine made is stopped after the test (reverse first), so no slot, subscription or worker
 * outlives its test.
 */
export function useNativePair(): { fresh(options?: Partial<NativeEngineOptions>): Promise<NativePair> } {
  const servers = usePostgresPair();
  const engines: NativeEngine[] = [];
  afterEach(async () => {
    for (const engine of engines.splice(0).reverse()) await engine.stop();
  });
  return {
    async fresh(options = {}) {
      const pair = await servers.freshPair();
      const name = `ferry_${new URL(pair.sourceUrl).pathname.slice(1)}`;
      const base: NativeEngineOptions = {
        source: pair.source,
        target: pair.target,
        sourceConnection: connectionOf(pair.sourceUrl),
        targetConnection: connectionOf(pair.targetUrl),
        name,
        selection: { include: ['public.*'] },
        releaseWaitMs: 10_000,
        ...options,
      };
      const engineWith = (overrides: Partial<NativeEngineOptions>) => {
        const engine = new NativeEngine({ ...base, ...overrides });
        engines.push(engine);
        return engine;
      };
      const engine = engineWith({});
      const reverse = engineWith({
        direction: 'reverse',
        source: pair.target,
        target: pair.source,
        sourceConnection: base.targetConnection,
        targetConnection: base.sourceConnection,
      });
      return { ...pair, name, engine, reverse, engineWith };
    },
  };
}

/** Replication takes a moment; these waits poll instead of sleeping. */
export const REPLICATION_TIMEOUT = { timeout: 30_000, interval: 100 } as const;

export async function waitForState(engine: NativeEngine, state: string): Promise<void> {
  await expect.poll(async () => (await engine.status()).state, REPLICATION_TIMEOUT).toBe(state);
}

type Sql = DatabasePair['sourceSql'];

/** All rows of a table as JSON, ordered by the key, for comparing both sides. */
export async function rowsOf(sql: Sql, table: string, orderBy = 'id'): Promise<unknown[]> {
  const result = await sql(`select to_jsonb(t) as row from ${table} t order by ${orderBy}`);
  return result.rows.map((r) => r.row);
}

/** Waits until the table has the same rows on the target as on the source. */
export async function waitForSameRows(pair: { readonly sourceSql: Sql; readonly targetSql: Sql }, table: string, orderBy = 'id'): Promise<void> {
  const expected = await rowsOf(pair.sourceSql, table, orderBy);
  await vi.waitFor(async () => expect(await rowsOf(pair.targetSql, table, orderBy)).toEqual(expected), REPLICATION_TIMEOUT);
}

/** Everything replication-related that exists on one server, to prove that stop() leaves nothing. */
export async function replicationObjects(sql: Sql): Promise<{ slots: string[]; subscriptions: string[]; publications: string[]; origins: string[] }> {
  const names = async (query: string) => (await sql(query)).rows.map((r) => r.name as string);
  return {
    slots: await names('select slot_name::text as name from pg_replication_slots order by 1'),
    subscriptions: await names('select subname::text as name from pg_subscription order by 1'),
    publications: await names('select pubname::text as name from pg_publication order by 1'),
    origins: await names('select roname as name from pg_replication_origin order by 1'),
  };
}

export const NOTHING = { slots: [], subscriptions: [], publications: [], origins: [] };
