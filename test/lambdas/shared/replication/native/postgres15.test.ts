import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../../../../lambdas/shared/pg/connection';
import { NativeEngine } from '../../../../../lambdas/shared/replication/native/engine';
import { usePostgres } from '../../../../helpers/postgres';
import { usePostgresMajor } from '../../../../helpers/postgres-versions';
import { NOTHING, REPLICATION_TIMEOUT, connectionOf, replicationObjects, waitForSameRows, waitForState } from './native.fixture';

/**
 * A PostgreSQL 17 source and a PostgreSQL 15 target: no `origin` option on the subscription (16+),
 * but disable_on_error and the error counts of 15. (The 15 server here runs with wal_level
 * replica, so it can only subscribe; reverse replication is covered by the 17 pair.)
 */
describe('native replication from PostgreSQL 17 to 15', () => {
  const source = usePostgres();
  const target = usePostgresMajor(15);
  const clients: pg.Client[] = [];
  const databases: Database[] = [];
  afterAll(async () => {
    for (const c of clients) await c.end();
    for (const d of databases) await d.close();
  });

  async function open(url: string, label: string) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    clients.push(client);
    const db = new Database({ label, config: { connectionString: url } });
    databases.push(db);
    return { sql: (text: string, values?: unknown[]) => client.query(text, values), db };
  }

  it('copies, replicates changes, reports status, failure and lag, and stops cleanly without the origin option', async () => {
    // Prepare
    const src = await open(source.url, 'source database');
    const tgt = await open(target().url, 'target database');
    const pair = { sourceSql: src.sql, targetSql: tgt.sql };
    await src.sql('create table items (id int primary key, body jsonb)');
    await tgt.sql('create table items (id int primary key, body jsonb)');
    await src.sql(`insert into items select i, jsonb_build_object('i', i) from generate_series(1, 200) i`);
    const engine = new NativeEngine({
      source: src.db,
      target: tgt.db,
      sourceConnection: connectionOf(source.url),
      targetConnection: connectionOf(target().url),
      name: 'ferry_pg15',
      selection: { include: ['public.items'] },
    });

    try {
      // Act
      const started = await engine.start();
      await waitForState(engine, 'cdc');
      await src.sql(`update items set body = '{"x": 1}' where id = 1; delete from items where id = 2; insert into items values (201, null)`);

      // Assess
      expect(started.message).toMatch(/origin = any/);
      await waitForSameRows(pair, 'items');
      await expect.poll(async () => engine.lag(), REPLICATION_TIMEOUT).toEqual({ seconds: 0, bytes: 0 });

      // Act: a conflict disables the subscription (disable_on_error, 15+)
      await tgt.sql('insert into items values (300, null)');
      await src.sql('insert into items values (300, null)');

      // Assess
      await expect.poll(async () => (await engine.status()).state, REPLICATION_TIMEOUT).toBe('failed');
    } finally {
      await engine.stop();
    }
    expect(await replicationObjects(src.sql)).toEqual(NOTHING);
    expect(await replicationObjects(tgt.sql)).toEqual(NOTHING);
  });
});
