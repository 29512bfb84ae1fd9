import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationClient, type Operation } from '../../local/application-client';
import { ContinuousWriter, WRITES_TABLE_SQL } from '../../local/continuous-writer';
import { findFreePort } from '../../local/postgres';
import { usePostgres } from '../helpers/postgres';

const server = usePostgres();
const APP = { user: 'client_app', password: 'client-app-secret' };
let admin: pg.Client;

beforeAll(async () => {
  admin = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: server.database });
  await admin.connect();
  await admin.query(`${WRITES_TABLE_SQL}; create role ${APP.user} login password '${APP.password}'; grant select, insert on writes to ${APP.user}`);
});
afterAll(async () => {
  await admin?.end();
});

const here = () => ({ host: server.host, port: server.port, database: server.database });

type Step = 'script' | 'idle';

/** A client that performs `script` in order, then only waits (no statements), so a test sees exactly those attempts. */
function scriptedClient(script: ReadonlyArray<(client: pg.Client, id: string) => Promise<unknown>>, endpoint = here) {
  let i = 0;
  const next = (id: string): Operation<Step> => {
    const step = script[i++];
    return step ? { op: 'script', run: (client) => step(client, id) } : { op: 'idle', run: () => new Promise((r) => setTimeout(r, 20)) };
  };
  const client = new ApplicationClient(endpoint, APP, 'c', next, { pauseMs: 1, retryPauseMs: 1 });
  return {
    client,
    /** Runs the script to its end, then stops; the scripted attempts. */
    async run() {
      client.start();
      while (client.attempts.filter((a) => a.op === 'script').length < script.length) await new Promise((r) => setTimeout(r, 10));
      await client.stop();
      return client.attempts.filter((a) => a.op === 'script');
    },
  };
}

const insert = (client: pg.Client, id: string) => client.query('insert into writes (id) values ($1)', [id]);
const backendPid = async (client: pg.Client) => (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;

describe('ApplicationClient', () => {
  it('records a confirmed write as committed', async () => {
    // Act
    const [attempt] = await scriptedClient([insert]).run();

    // Assess
    expect(attempt).toMatchObject({ id: 'c-1', outcome: 'committed', committed: true });
    expect((await admin.query('select id from writes where id = $1', [attempt!.id])).rows).toHaveLength(1);
  });

  it('records a statement the server rejected (permission denied, as under the revoke freeze) as failed, and keeps the connection', async () => {
    // Prepare
    const pids: number[] = [];
    const script = [
      async (c: pg.Client) => pids.push(await backendPid(c)),
      (c: pg.Client) => c.query('delete from writes'),
      async (c: pg.Client) => pids.push(await backendPid(c)),
    ];

    // Act
    const attempts = await scriptedClient(script).run();

    // Assess
    expect(attempts.map((a) => a.outcome)).toEqual(['committed', 'failed', 'committed']);
    expect(attempts[1]!.error).toBe('permission denied for table writes');
    expect(pids[0]).toBe(pids[1]);
  });

  it('records a write whose session was terminated while it ran as unknown, and reconnects for the next one', async () => {
    // Prepare: the write sleeps on the server; meanwhile its session is ended, as the freeze does
    const slowInsert = (c: pg.Client, id: string) => {
      const write = c.query('insert into writes (id) select $1::text from pg_sleep(5)', [id]);
      void terminateSoon();
      return write;
    };
    const terminateSoon = async () => {
      for (let i = 0; i < 200; i++) {
        const ended = await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where usename = $1 and query like '%pg_sleep%' and state = 'active'`, [APP.user]);
        if (ended.rowCount! > 0) return;
        await new Promise((r) => setTimeout(r, 10));
      }
    };

    // Act
    const attempts = await scriptedClient([slowInsert, insert]).run();

    // Assess
    expect(attempts.map((a) => a.outcome)).toEqual(['unknown', 'committed']);
    expect(attempts[0]!.error).toMatch(/terminating connection due to administrator command/);
  });

  it('records a write as failed when no connection could be made: nothing was sent', async () => {
    // Prepare
    const nowhere = { host: '127.0.0.1', port: await findFreePort(), database: 'none' };

    // Act
    const [attempt] = await scriptedClient([insert], () => nowhere).run();

    // Assess
    expect(attempt).toMatchObject({ outcome: 'failed', committed: false });
    expect(attempt!.error).toMatch(/ECONNREFUSED/);
  });
});

describe('ContinuousWriter', () => {
  it('still inserts one row per committed write into `writes`, with its constructor and methods as before', async () => {
    // Prepare
    const writer = new ContinuousWriter(here, APP, 'cw');

    // Act
    writer.start();
    await writer.committedMore(10);
    await writer.stop();

    // Assess
    const ids = (await admin.query<{ id: string }>(`select id from writes where id like 'cw-%'`)).rows.map((r) => r.id).sort();
    expect(ids).toEqual(writer.committed().map((a) => a.id).sort());
    expect(writer.attempts.every((a) => a.outcome === 'committed' && a.op === undefined)).toBe(true);
    expect(writer.longestGapMs()).toBeGreaterThanOrEqual(0);
  });
});
