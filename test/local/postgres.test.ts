import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { assertBinariesReachable, PostgresBinariesUnreachableError, PostgresStartError, startPostgres } from '../../local/postgres';
import { usePostgres } from '../helpers/postgres';

const server = usePostgres({ database: 'ferry_test', settings: { max_connections: '50' } });

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('local PostgreSQL', () => {
  it('answers select version() on 127.0.0.1 in the requested database', async () => {
    // Act
    const [row] = await query<{ version: string; db: string }>(server.url, 'select version(), current_database() as db');

    // Assess
    expect(row?.version).toMatch(/^PostgreSQL \d+/);
    expect(row?.db).toBe('ferry_test');
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toBe(
      `postgres://postgres:${encodeURIComponent(server.password)}@127.0.0.1:${server.port}/ferry_test`,
    );
  });

  it('runs with logical replication enabled, listening on 127.0.0.1 only, with the given settings', async () => {
    // Act
    const rows = await query<{ name: string; setting: string }>(
      server.url,
      "select name, setting from pg_settings where name in ('wal_level', 'listen_addresses', 'max_connections') order by name",
    );

    // Assess
    expect(rows).toEqual([
      { name: 'listen_addresses', setting: '127.0.0.1' },
      { name: 'max_connections', setting: '50' },
      { name: 'wal_level', setting: 'logical' },
    ]);
  });

  it('removes its data directory on stop, and stopping twice is harmless', async () => {
    // Prepare
    const own = await startPostgres();
    const dirWhileRunning = existsSync(own.baseDir);

    // Act
    await own.stop();
    await own.stop();

    // Assess
    expect(dirWhileRunning).toBe(true);
    expect(existsSync(own.baseDir)).toBe(false);
    await expect(query(own.url, 'select 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it("fails to start with the server's own log lines, and leaves nothing behind", async () => {
    // Act
    const error = await startPostgres({ settings: { shared_buffers: 'plenty' } }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(PostgresStartError);
    expect((error as Error).message).toContain('invalid value for parameter "shared_buffers": "plenty"');
    const dir = /data in (\S+)\)/.exec((error as Error).message)?.[1];
    expect(dir).toBeDefined();
    expect(existsSync(dir as string)).toBe(false);
  });

  it.runIf(process.getuid?.() === 0)('fails at once, naming the directory and the fix, when run as root from a checkout the postgres user cannot enter', async () => {
    // Arrange: binaries inside a directory only root may enter, as `mktemp -d` makes them
    const closed = mkdtempSync(path.join(tmpdir(), 'ferry-closed-'));
    const bin = path.join(closed, 'node_modules', 'bin');
    mkdirSync(bin, { recursive: true });
    try {
      // Act
      const error = await assertBinariesReachable(bin).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(PostgresBinariesUnreachableError);
      expect((error as Error).message).toContain(`cannot enter ${closed} (mode 700)`);
      expect((error as Error).message).toContain(`chmod o+x ${closed}`);
      await expect(assertBinariesReachable()).resolves.toBeUndefined();
    } finally {
      rmSync(closed, { recursive: true, force: true });
    }
  });
});
