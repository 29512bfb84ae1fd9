import { describe, expect, it } from 'vitest';
import type { CheckpointStore } from '../../../../lambdas/shared/checkpoints';
import { FreezeExpiredError, FreezeIncompleteError, FreezeRoleError } from '../../../../lambdas/shared/freeze/errors';
import { freezeWrites, thawWrites, type FreezeRequest } from '../../../../lambdas/shared/freeze/freeze';
import type { FreezeConfig } from '../../../../lambdas/shared/migration-config';
import { useDynalite } from '../../../helpers/dynalite';
import { failureOf, privilegesOf, useFreezeServer, type FreezeDatabase } from './freeze.fixture';

const MIGRATION = 'orders-migration';
const TABLES = ['orders', 'notes', 'owned'].map((name) => ({ schema: 'public', name }));

const server = useFreezeServer();
const dynamo = useDynalite();

/** A database where `app` may write the migrated tables in every way a thaw must restore exactly. */
async function appDatabase() {
  const database = await server.freshDatabase();
  const app = await server.createRole(server.unique('app'));
  const other = await server.createRole(server.unique('other'));
  await database.sql(`
    create table orders (id int primary key, note text);
    create table notes (id int primary key, body text);
    create table owned (id int primary key);
    grant select, insert, update, delete, truncate on orders to "${app}";
    grant select on notes to "${app}";
    grant update (body) on notes to "${app}";
    grant insert on notes to "${app}" with grant option;
    alter table owned owner to "${app}";
    grant select, insert on orders to "${other}";`);
  const store = await dynamo.newStore();
  const request = (config: Partial<FreezeConfig> = {}, overrides: Partial<FreezeRequest> = {}): FreezeRequest => ({
    db: database.db,
    store,
    migrationId: MIGRATION,
    side: 'source',
    config: { roles: [app], method: 'revoke', openTransactions: 'terminate', ...config },
    tables: TABLES,
    runId: 'run-1',
    owner: 'arn:aws:states:eu-west-1:123456789012:execution:cutover:run-1',
    deadline: Date.now() + 30_000,
    bounded: true,
    now: Date.now,
    ...overrides,
  });
  const thaw = () => thawWrites({ db: database.db, store, migrationId: MIGRATION, side: 'source', now: Date.now });
  return { ...database, app, other, store, request, thaw };
}

const rowsOf = async (sql: FreezeDatabase['sql'], table: string) => (await sql(`select id from ${table} order by id`)).rows;

const statusOf = async (store: CheckpointStore) => (await store.getFreeze(MIGRATION, 'source'))?.status;

describe('freezeWrites with the revoke method', () => {
  it("with openTransactions 'wait', makes the role's writes fail with permission denied on a connection it already has, while its reads work", async () => {
    // Prepare
    const { sql, app, connectAs, request } = await appDatabase();
    const session = await connectAs(app);
    await session.query('insert into orders values (1); insert into notes values (1)');

    // Act
    const outcome = await freezeWrites(request({ openTransactions: 'wait' }));

    // Assess
    const attempts = {
      insert: await failureOf(session.query('insert into orders values (2)')),
      update: await failureOf(session.query(`update orders set note = 'x'`)),
      delete: await failureOf(session.query('delete from orders')),
      truncate: await failureOf(session.query('truncate orders')),
      updateColumn: await failureOf(session.query(`update notes set body = 'x'`)),
      insertGrantable: await failureOf(session.query('insert into notes values (2)')),
      owned: await failureOf(session.query('insert into owned values (1)')),
    };
    const denied = (table: string) => ({ code: '42501', message: `permission denied for table ${table}` });
    expect(attempts).toEqual({
      insert: denied('orders'),
      update: denied('orders'),
      delete: denied('orders'),
      truncate: denied('orders'),
      updateColumn: denied('notes'),
      insertGrantable: denied('notes'),
      owned: denied('owned'),
    });
    expect((await session.query('select id from orders')).rows).toEqual([{ id: 1 }]);
    expect(outcome).toMatchObject({
      action: 'frozen',
      side: 'source',
      method: 'revoke',
      roles: [app],
      privilegesRevoked: 10,
      transactionsEnded: 0,
      message: `Writes of "${app}" frozen on the source (10 privileges revoked; 0 ended).`,
    });
    expect(await rowsOf(sql, 'orders')).toEqual([{ id: 1 }]);
  });

  it('thaw grants back exactly what there was: column grants, grant options and an owner with no explicit ACL included', async () => {
    // Prepare
    const { sql, app, other, connectAs, request, thaw } = await appDatabase();
    const before = await privilegesOf(sql);
    const { rows: ownedAcl } = await sql(`select relacl from pg_class where oid = 'owned'::regclass`);
    const frozen = await freezeWrites(request());
    const whileFrozen = await privilegesOf(sql);
    const session = await connectAs(app);

    // Act
    const thawed = await thaw();

    // Assess
    expect(ownedAcl).toEqual([{ relacl: null }]);
    expect(whileFrozen).not.toEqual(before);
    expect(whileFrozen).toContain(`orders: ${other} INSERT by ${server.user}`);
    expect(await privilegesOf(sql)).toEqual(before);
    expect(thawed).toMatchObject({ action: 'thawed', side: 'source', freezeId: frozen.freezeId });
    expect(thawed.frozenMs).toBeGreaterThanOrEqual(0);
    expect(thawed.message).toMatch(/^Writes on the source thawed after \d+ ms\.$/);
    expect(await failureOf(session.query(`insert into orders values (1); update notes set body = 'x'; insert into owned values (1)`))).toBeUndefined();
  });

  it('stores the plan before touching the database and marks the record frozen, then thawed', async () => {
    // Prepare
    const { app, store, request, thaw } = await appDatabase();
    const req = request();

    // Act
    const outcome = await freezeWrites(req);
    const frozen = await store.getFreeze(MIGRATION, 'source');
    await thaw();
    const thawed = await store.getFreeze(MIGRATION, 'source');

    // Assess
    expect(frozen).toMatchObject({
      side: 'source',
      status: 'frozen',
      freezeId: outcome.freezeId,
      method: 'revoke',
      roles: [app],
      deadline: req.deadline,
      runId: 'run-1',
      owner: req.owner,
    });
    expect(outcome.deadline).toBe(req.deadline);
    expect((frozen?.plan as { grants: unknown[] }).grants).toHaveLength(10);
    expect(thawed).toMatchObject({ status: 'thawed', freezeId: outcome.freezeId, plan: frozen?.plan });
    expect(thawed?.thawedAt).toBeGreaterThanOrEqual(frozen!.frozenAt);
  });

  it('an unbounded freeze has no deadline', async () => {
    // Prepare
    const { store, request } = await appDatabase();

    // Act
    const outcome = await freezeWrites(request({}, { bounded: false }));

    // Assess
    expect(outcome.deadline).toBeUndefined();
    expect((await store.getFreeze(MIGRATION, 'source'))?.deadline).toBeUndefined();
  });

  it("with openTransactions 'terminate', ends every session the role had, records when they were gone, and a new session cannot write", async () => {
    // Prepare
    const { app, connectAs, request, store } = await appDatabase();
    const idle = await connectAs(app);

    // Act
    const outcome = await freezeWrites(request({ openTransactions: 'terminate' }));
    const fresh = await connectAs(app);

    // Assess
    expect(outcome).toMatchObject({ action: 'frozen', transactionsEnded: 1 });
    expect(await failureOf(idle.query('select 1'))).toBeDefined();
    expect(await failureOf(fresh.query('insert into orders values (9)'))).toMatchObject({ code: '42501' });
    expect((await fresh.query('select count(*)::int as n from orders')).rows).toEqual([{ n: 0 }]);
    expect((await store.getFreeze(MIGRATION, 'source'))?.sessionsEndedAt).toBeGreaterThan(0);
  });

  it("with openTransactions 'terminate' ends the role's open write transaction, whose commit then fails", async () => {
    // Prepare
    const { sql, app, connectAs, request } = await appDatabase();
    const writer = await connectAs(app);
    await writer.query('begin; insert into orders values (1)');

    // Act
    const outcome = await freezeWrites(request({ openTransactions: 'terminate' }));

    // Assess
    expect(outcome.transactionsEnded).toBe(1);
    expect(await failureOf(writer.query('commit'))).toBeDefined();
    expect(await rowsOf(sql, 'orders')).toEqual([]);
  });

  it("with openTransactions 'wait' returns only after the role's open write transaction has committed", async () => {
    // Prepare
    const { sql, app, connectAs, request } = await appDatabase();
    const writer = await connectAs(app);
    await writer.query('begin; insert into orders values (1)');
    let settled = false;

    // Act
    const freezing = freezeWrites(request({ openTransactions: 'wait' })).finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const settledBeforeCommit = settled;
    await writer.query('commit');
    const outcome = await freezing;

    // Assess
    expect(settledBeforeCommit).toBe(false);
    expect(outcome).toMatchObject({ action: 'frozen', transactionsEnded: 0 });
    expect(await rowsOf(sql, 'orders')).toEqual([{ id: 1 }]);
    expect(await failureOf(writer.query('insert into orders values (2)'))).toMatchObject({ code: '42501' });
  });

  it("with openTransactions 'wait' throws FreezeExpiredError at the deadline if the transaction never ends, and thaw still restores the privileges", async () => {
    // Prepare
    const { sql, app, store, connectAs, request, thaw } = await appDatabase();
    const before = await privilegesOf(sql);
    const writer = await connectAs(app);
    await writer.query('begin; insert into orders values (1)');
    const deadline = Date.now() + 600;

    // Act
    const error = await freezeWrites(request({ openTransactions: 'wait' }, { deadline })).catch((e: unknown) => e);
    const status = await statusOf(store);
    const whileExpired = await privilegesOf(sql);
    const thawed = await thaw();

    // Assess
    expect(error).toBeInstanceOf(FreezeExpiredError);
    expect(Date.now()).toBeGreaterThanOrEqual(deadline - 50);
    expect(status).toBe('freezing');
    expect(whileExpired).not.toEqual(before);
    expect(thawed.action).toBe('thawed');
    expect(await privilegesOf(sql)).toEqual(before);
    await writer.query('rollback');
  });

  it('fails with FreezeIncompleteError when the role can still write through a group role, and revokes nothing', async () => {
    // Prepare
    const { sql, app, store, connectAs, request } = await appDatabase();
    const writers = await server.createRole(server.unique('writers'), 'nologin');
    await sql(`grant insert on orders to "${writers}"; grant "${writers}" to "${app}"`);
    const before = await privilegesOf(sql);
    const session = await connectAs(app);

    // Act
    const error = await freezeWrites(request()).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(FreezeIncompleteError);
    expect((error as Error).message).toContain(`roles can still write: ${app}: INSERT on public.orders.`);
    expect(await privilegesOf(sql)).toEqual(before);
    expect(await failureOf(session.query(`insert into orders values (1); update notes set body = 'x'`))).toBeUndefined();
    expect(await statusOf(store)).toBe('thawed');
  });

  it('after an incomplete freeze, a freeze with the group role added plans afresh and succeeds', async () => {
    // Prepare
    const { sql, app, connectAs, request, thaw } = await appDatabase();
    const writers = await server.createRole(server.unique('writers'), 'nologin');
    await sql(`grant insert on orders to "${writers}"; grant "${writers}" to "${app}"`);
    const before = await privilegesOf(sql);
    const failed = await freezeWrites(request()).catch((e: unknown) => e);
    const session = await connectAs(app);

    // Act
    const outcome = await freezeWrites(request({ roles: [app, writers], openTransactions: 'wait' }));

    // Assess
    expect(failed).toBeInstanceOf(FreezeIncompleteError);
    expect(outcome).toMatchObject({ action: 'frozen', roles: [app, writers], privilegesRevoked: 11 });
    expect(await failureOf(session.query('insert into orders values (1)'))).toMatchObject({ code: '42501' });
    await thaw();
    expect(await privilegesOf(sql)).toEqual(before);
  });

  it('a thaw after an incomplete freeze grants nothing, even beside a grant made by another grantor', async () => {
    // Prepare: Ferry revokes as the owner, which cannot take back what another role granted
    const { sql, app, request, thaw } = await appDatabase();
    const dba = await server.createRole(server.unique('dba'));
    await sql(`grant delete on notes to "${dba}" with grant option; set role "${dba}"; grant delete on notes to "${app}"; reset role`);
    const before = await privilegesOf(sql);
    const failed = await freezeWrites(request()).catch((e: unknown) => e);

    // Act
    const thawed = await thaw();

    // Assess
    expect(failed).toBeInstanceOf(FreezeIncompleteError);
    expect((failed as Error).message).toContain(`roles can still write: ${app}: DELETE on public.notes.`);
    expect(thawed.action).toBe('not-frozen');
    expect(await privilegesOf(sql)).toEqual(before);
    expect(before).toContain(`notes: ${app} DELETE by ${dba}`);
    expect(before.filter((line) => line.startsWith(`notes: ${app} DELETE`))).toHaveLength(1);
  });

  it('fails with FreezeRoleError for a role that cannot be frozen, before storing or changing anything', async () => {
    // Prepare
    const { sql, store, request } = await appDatabase();
    const before = await privilegesOf(sql);
    const missing = server.unique('missing');

    // Act
    const act = freezeWrites(request({ roles: [missing] }));

    // Assess
    await expect(act).rejects.toThrow(FreezeRoleError);
    await expect(act).rejects.toThrow(`role "${missing}" does not exist`);
    expect(await store.getFreeze(MIGRATION, 'source')).toBeUndefined();
    expect(await privilegesOf(sql)).toEqual(before);
  });
});

describe('freezing and thawing again', () => {
  it("a second freeze returns 'already-frozen' with the first freeze's id and plan, and thaw still restores everything", async () => {
    // Prepare
    const { sql, request, thaw } = await appDatabase();
    const before = await privilegesOf(sql);
    const first = await freezeWrites(request());

    // Act
    const second = await freezeWrites(request());
    await thaw();

    // Assess: a plan read from the frozen database would have been empty and restored nothing
    expect(second).toMatchObject({ action: 'already-frozen', freezeId: first.freezeId, privilegesRevoked: first.privilegesRevoked });
    expect(first.privilegesRevoked).toBe(10);
    expect(await privilegesOf(sql)).toEqual(before);
  });

  it("a freeze interrupted after storing its plan is completed by the next call from that plan", async () => {
    // Prepare: the first call stored the plan, then the Lambda timed out before revoking
    const { sql, app, store, connectAs, request, thaw } = await appDatabase();
    const before = await privilegesOf(sql);
    await freezeWrites(request());
    const stored = (await store.getFreeze(MIGRATION, 'source'))!;
    await thaw();
    await store.putFreeze(MIGRATION, { ...stored, status: 'freezing' });
    const session = await connectAs(app);

    // Act
    const outcome = await freezeWrites(request({ openTransactions: 'wait' }));

    // Assess
    expect(outcome).toMatchObject({ action: 'already-frozen', freezeId: stored.freezeId, privilegesRevoked: 10 });
    expect(await statusOf(store)).toBe('frozen');
    expect(await failureOf(session.query('insert into orders values (1)'))).toMatchObject({ code: '42501' });
    await thaw();
    expect(await privilegesOf(sql)).toEqual(before);
  });

  it("a second thaw returns 'not-frozen' and changes nothing", async () => {
    // Prepare
    const { sql, request, thaw } = await appDatabase();
    const before = await privilegesOf(sql);
    await freezeWrites(request());
    await thaw();

    // Act
    const second = await thaw();

    // Assess
    expect(second).toEqual({ action: 'not-frozen', side: 'source', message: 'Writes on the source were not frozen; nothing to thaw.' });
    expect(await privilegesOf(sql)).toEqual(before);
  });

  it("a thaw with no freeze stored returns 'not-frozen'", async () => {
    // Prepare
    const { thaw } = await appDatabase();

    // Act
    const outcome = await thaw();

    // Assess
    expect(outcome.action).toBe('not-frozen');
  });

  it('a freeze after a thaw is a new freeze with a new id', async () => {
    // Prepare
    const { sql, request, thaw } = await appDatabase();
    const before = await privilegesOf(sql);
    const first = await freezeWrites(request());
    await thaw();

    // Act
    const again = await freezeWrites(request());
    await thaw();

    // Assess
    expect(again.action).toBe('frozen');
    expect(again.freezeId).not.toBe(first.freezeId);
    expect(again.privilegesRevoked).toBe(10);
    expect(await privilegesOf(sql)).toEqual(before);
  });
});

describe('freezeWrites with the read-only method', () => {
  it("ends the role's sessions, its new sessions are read-only, and another role's are unaffected", async () => {
    // Prepare
    const { sql, app, other, connectAs, request } = await appDatabase();
    const existing = [await connectAs(app), await connectAs(app)];
    const otherSession = await connectAs(other);

    // Act
    const outcome = await freezeWrites(request({ method: 'read-only' }));

    // Assess
    expect(outcome).toMatchObject({ action: 'frozen', method: 'read-only', roles: [app], privilegesRevoked: 0, transactionsEnded: 2 });
    expect(outcome.message).toBe(`Writes of "${app}" frozen on the source (read-only by default, sessions ended; 2 ended).`);
    for (const session of existing) expect(await failureOf(session.query('select 1'))).toBeDefined();
    const fresh = await connectAs(app);
    expect(await failureOf(fresh.query('insert into orders values (1)'))).toEqual({
      code: '25006',
      message: 'cannot execute INSERT in a read-only transaction',
    });
    expect((await fresh.query('select count(*)::int as n from orders')).rows).toEqual([{ n: 0 }]);
    await otherSession.query('insert into orders values (2)');
    expect(await rowsOf(sql, 'orders')).toEqual([{ id: 2 }]);
  });

  it("ends the role's open write transaction, whose commit fails", async () => {
    // Prepare
    const { sql, app, connectAs, request } = await appDatabase();
    const writer = await connectAs(app);
    await writer.query('begin; insert into orders values (1)');

    // Act
    await freezeWrites(request({ method: 'read-only', openTransactions: 'wait' }));

    // Assess
    expect(await failureOf(writer.query('commit'))).toBeDefined();
    expect(await rowsOf(sql, 'orders')).toEqual([]);
  });

  it("thaw puts back the role's previous setting in the database and ends the sessions opened during the freeze", async () => {
    // Prepare
    const { sql, name, app, other, connectAs, request, thaw } = await appDatabase();
    await sql(`alter role "${app}" in database "${name}" set default_transaction_read_only = off`);
    await freezeWrites(request({ method: 'read-only' }));
    const during = await connectAs(app);
    const otherSession = await connectAs(other);

    // Act
    const thawed = await thaw();

    // Assess
    expect(thawed.action).toBe('thawed');
    expect(await failureOf(during.query('select 1'))).toBeDefined();
    expect(await failureOf(otherSession.query('select 1'))).toBeUndefined();
    const { rows } = await sql(
      `select s.setconfig from pg_db_role_setting s join pg_database d on d.oid = s.setdatabase where s.setrole = $1::regrole and d.datname = $2`,
      [app, name],
    );
    expect(rows).toEqual([{ setconfig: ['default_transaction_read_only=off'] }]);
    const after = await connectAs(app);
    expect(await failureOf(after.query('insert into orders values (1)'))).toBeUndefined();
  });

  it('thaw resets the setting of a role that had none before', async () => {
    // Prepare
    const { sql, app, connectAs, request, thaw } = await appDatabase();
    await freezeWrites(request({ method: 'read-only' }));

    // Act
    await thaw();

    // Assess
    const { rows } = await sql(`select count(*)::int as n from pg_db_role_setting where setrole = $1::regrole`, [app]);
    expect(rows).toEqual([{ n: 0 }]);
    const after = await connectAs(app);
    expect(await failureOf(after.query('insert into orders values (1)'))).toBeUndefined();
  });
});
