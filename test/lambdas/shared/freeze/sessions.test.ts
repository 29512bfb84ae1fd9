import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { FreezeExpiredError } from '../../../../lambdas/shared/freeze/errors';
import { endOpenWrites, endSessions, endSessionsAndWait } from '../../../../lambdas/shared/freeze/sessions';
import { manualClock } from '../../../helpers/clock';
import { failureOf, useFreezeServer } from './freeze.fixture';

const pidOf = async (client: pg.Client): Promise<number> => (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;

/** Whether the session still answers (an ended one fails every query). */
const alive = async (client: pg.Client): Promise<boolean> => (await failureOf(client.query('select 1'))) === undefined;

const server = useFreezeServer();

describe('endOpenWrites', () => {
  async function databaseWithRoles() {
    const database = await server.freshDatabase();
    const app = await server.createRole(server.unique('app'));
    const other = await server.createRole(server.unique('other'));
    await database.sql(`create table items (id int); grant select, insert on items to "${app}", "${other}"`);
    return { ...database, app, other };
  }

  it("with 'terminate' ends the roles' open write transactions, and not their idle or read-only sessions, nor another role's writes", async () => {
    // Prepare
    const { db, sql, app, other, connectAs } = await databaseWithRoles();
    const writer = await connectAs(app);
    await writer.query('begin; insert into items values (1)');
    const idle = await connectAs(app);
    const reader = await connectAs(app);
    await reader.query('begin; select * from items');
    const otherWriter = await connectAs(other);
    await otherWriter.query('begin; insert into items values (2)');

    // Act
    const result = await endOpenWrites(db, [app], 'terminate', { deadline: Date.now() + 10_000, now: Date.now, pollMs: 20 });

    // Assess
    expect(result.terminated).toBe(1);
    expect(await failureOf(writer.query('commit'))).toBeDefined();
    expect({ idle: await alive(idle), reader: await alive(reader) }).toEqual({ idle: true, reader: true });
    await otherWriter.query('commit');
    expect((await sql('select id from items')).rows).toEqual([{ id: 2 }]);
  });

  it("with 'wait' returns once the open write transaction has ended, terminating nothing", async () => {
    // Prepare: the transaction commits during the second sleep
    const { db, sql, app, connectAs } = await databaseWithRoles();
    const writer = await connectAs(app);
    await writer.query('begin; insert into items values (1)');
    const clock = manualClock();
    const slept: number[] = [];
    const sleep = async (ms: number) => {
      slept.push(ms);
      clock.advance(ms);
      if (slept.length === 2) await writer.query('commit');
    };

    // Act
    const result = await endOpenWrites(db, [app], 'wait', { deadline: clock.now() + 10_000, now: clock.now, sleep });

    // Assess: two looks find it, then two quiet looks a poll apart
    expect(result).toEqual({ terminated: 0, waitedMs: 150 });
    expect(slept).toEqual([50, 50, 50]);
    expect((await sql('select id from items')).rows).toEqual([{ id: 1 }]);
  });

  it("with 'wait' throws FreezeExpiredError at the deadline naming the open transaction, and leaves it open", async () => {
    // Prepare
    const { db, sql, app, connectAs } = await databaseWithRoles();
    const writer = await connectAs(app);
    await writer.query('begin; insert into items values (1)');
    const pid = await pidOf(writer);
    const clock = manualClock();
    const started = clock.now();
    const sleep = async (ms: number) => clock.advance(ms);

    // Act
    const error = await endOpenWrites(db, [app], 'wait', { deadline: clock.now() + 200, now: clock.now, sleep }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(FreezeExpiredError);
    expect((error as Error).message).toMatch(
      new RegExp(`still open when the freeze's maximum duration ran out: pid ${pid} \\(${app}, transaction open since \\d{4}-.*freeze\\.openTransactions is 'wait'`),
    );
    expect(clock.now() - started).toBe(200);
    await writer.query('commit');
    expect((await sql('select id from items')).rows).toEqual([{ id: 1 }]);
  });

  it('returns after two quiet looks a poll apart when no write transaction is open', async () => {
    // Prepare
    const { db, app, connectAs } = await databaseWithRoles();
    await connectAs(app);
    const clock = manualClock();
    const slept: number[] = [];
    const sleep = async (ms: number) => {
      slept.push(ms);
      clock.advance(ms);
    };

    // Act
    const result = await endOpenWrites(db, [app], 'terminate', { deadline: clock.now() + 1000, now: clock.now, sleep, pollMs: 30 });

    // Assess
    expect(result).toEqual({ terminated: 0, waitedMs: 30 });
    expect(slept).toEqual([30]);
  });
});

describe('endSessions', () => {
  it("ends every session of the roles in this database, and not another role's, nor theirs in another database", async () => {
    // Prepare
    const here = await server.freshDatabase();
    const elsewhere = await server.freshDatabase();
    const app = await server.createRole(server.unique('app'));
    const other = await server.createRole(server.unique('other'));
    const sessions = [await here.connectAs(app), await here.connectAs(app)];
    const otherRole = await here.connectAs(other);
    const otherDatabase = await elsewhere.connectAs(app);

    // Act
    const ended = await endSessions(here.db, [app]);

    // Assess
    expect(ended).toBe(2);
    expect(await Promise.all(sessions.map(alive))).toEqual([false, false]);
    expect({ otherRole: await alive(otherRole), otherDatabase: await alive(otherDatabase) }).toEqual({ otherRole: true, otherDatabase: true });
  });

  it('with startedSince ends only the sessions that started at or after it', async () => {
    // Prepare: the database's own clock divides the sessions
    const { db, sql, connectAs } = await server.freshDatabase();
    const app = await server.createRole(server.unique('app'));
    const older = await connectAs(app);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const since = (await sql('select clock_timestamp() as t')).rows[0].t as Date;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const newer = [await connectAs(app), await connectAs(app)];

    // Act
    const ended = await endSessions(db, [app], since);

    // Assess
    expect(ended).toBe(2);
    expect(await alive(older)).toBe(true);
    expect(await Promise.all(newer.map(alive))).toEqual([false, false]);
  });

  it('ends nothing when no role is given', async () => {
    // Prepare
    const { db, connectAs } = await server.freshDatabase();
    const app = await server.createRole(server.unique('app'));
    const session = await connectAs(app);

    // Act
    const ended = await endSessions(db, []);

    // Assess
    expect(ended).toBe(0);
    expect(await alive(session)).toBe(true);
  });
});

describe('endSessionsAndWait', () => {
  it("ends the roles' sessions and waits until they are gone, and never another role's or its own", async () => {
    // Prepare
    const here = await server.freshDatabase();
    const app = await server.createRole(server.unique('app'));
    const other = await server.createRole(server.unique('other'));
    const sessions = [await here.connectAs(app), await here.connectAs(app)];
    const otherRole = await here.connectAs(other);
    const pids = (await here.sql(`select pid from pg_stat_activity where usename = $1`, [app])).rows.map((r) => r.pid as number);

    // Act
    const result = await endSessionsAndWait(here.db, [app], { deadline: Date.now() + 10_000, now: Date.now });

    // Assess
    expect(result.ended).toBe(2);
    expect(result.endedAt).toBeGreaterThan(0);
    // Gone when it returns, not merely signalled.
    expect((await here.sql(`select count(*)::int as n from pg_stat_activity where pid = any($1::int[])`, [pids])).rows[0].n).toBe(0);
    expect(await Promise.all(sessions.map(alive))).toEqual([false, false]);
    expect(await alive(otherRole)).toBe(true);
    expect((await here.db.query('select 1 as ok'))[0]).toEqual({ ok: 1 });
  });
});
