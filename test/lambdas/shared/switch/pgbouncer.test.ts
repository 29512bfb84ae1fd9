import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findDatabaseLine, rewriteDatabaseLine } from '../../../../lambdas/shared/switch/pgbouncer-file';
import { PgBouncerSwitch, type PgBouncerSwitchOptions } from '../../../../lambdas/shared/switch/pgbouncer';
import { SwitchFailedError, SwitchTransientError, SwitchUnexpectedValueError, type SwitchEndpoints } from '../../../../lambdas/shared/switch/switch';
import { findFreePort } from '../../../../local/postgres';
import { usePostgresPair } from '../../../helpers/database-pair';
import { usePgBouncer } from '../../../helpers/pgbouncer';

// Two real PostgreSQL servers behind one real PgBouncer. The application logs in as `app`, a role
// with the same password on both servers (PgBouncer reuses the client's password for the server).
const pairs = usePostgresPair();
const APP = { user: 'app', password: randomBytes(12).toString('hex') };
let endpoints: SwitchEndpoints;
let initialFile: string;

const bouncer = usePgBouncer(async () => {
  const pair = await pairs.freshPair();
  for (const sql of [pair.sourceSql, pair.targetSql]) await sql(`create role app login password '${APP.password}'`);
  const endpoint = (url: string) => ({ host: '127.0.0.1', port: Number(new URL(url).port), database: new URL(url).pathname.slice(1) });
  endpoints = { source: endpoint(pair.sourceUrl), target: endpoint(pair.targetUrl) };
  const { port, database } = endpoints.source;
  // `orders` is session-pooled (the default), `orders_tx` transaction-pooled; `other` is not ours.
  initialFile = [
    '; the application databases (Ferry rewrites only the line it is told to)',
    '[databases]',
    `other  =   host=127.0.0.1 port=${port} dbname=${database}   pool_size=3`,
    `orders = host=127.0.0.1 port=${port} dbname=${database} pool_size=5 connect_query='SELECT ''ready'''`,
    `orders_tx = host=127.0.0.1 port=${port} dbname=${database} pool_mode=transaction`,
    '',
  ].join('\n');
  return { databasesFile: initialFile, users: { [APP.user]: APP.password } };
});

let console_: pg.Client;
beforeAll(async () => {
  console_ = new pg.Client({ host: bouncer.host, port: bouncer.port, user: bouncer.admin.username, password: bouncer.admin.password, database: 'pgbouncer' });
  await console_.connect();
});
afterAll(async () => {
  await console_?.end();
});

const clients: pg.Client[] = [];
beforeEach(async () => {
  await writeFile(bouncer.databasesFile, initialFile);
  await console_.query('RELOAD');
  for (const db of ['orders', 'orders_tx']) if ((await live(db)).paused) await console_.query(`RESUME ${db}`);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
});

async function live(database: string): Promise<{ port: number; paused: boolean }> {
  const row = (await console_.query('SHOW DATABASES')).rows.find((r) => r.name === database);
  return { port: Number(row.port), paused: Number(row.paused) === 1 };
}

async function connect(database: string, applicationName?: string): Promise<pg.Client> {
  const client = new pg.Client({ host: bouncer.host, port: bouncer.port, ...APP, database, application_name: applicationName });
  clients.push(client);
  await client.connect();
  return client;
}

/** Which server answered: the source's or the target's port. */
async function serverPort(client: pg.Client): Promise<number> {
  return (await client.query('select inet_server_port() as port')).rows[0].port;
}

function switchFor(database: string, options: Partial<PgBouncerSwitchOptions> = {}): PgBouncerSwitch {
  return new PgBouncerSwitch({
    host: bouncer.host,
    port: bouncer.port,
    database,
    databasesFile: bouncer.databasesFile,
    admin: bouncer.admin,
    endpoints,
    pauseTimeoutMs: 10_000,
    ...options,
  });
}

async function settled(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setTimeout(r, ms));
  return done;
}

describe('PgBouncerSwitch against a real PgBouncer', () => {
  it('moves a transaction-pooled client to the target on the same connection', async () => {
    // Prepare
    const client = await connect('orders_tx');
    expect(await serverPort(client)).toBe(endpoints.source.port);

    // Act
    const outcome = await switchFor('orders_tx').pointTo('target');

    // Assess
    expect(outcome).toMatchObject({ action: 'switched', side: 'target', from: `127.0.0.1:${endpoints.source.port}/t1`, to: `127.0.0.1:${endpoints.target.port}/t1` });
    expect(await serverPort(client)).toBe(endpoints.target.port);
    expect(await live('orders_tx')).toEqual({ port: endpoints.target.port, paused: false });
  });

  it('queues queries issued during the switch (PAUSE) and runs them on the target; none fails', async () => {
    // Prepare: a transaction in flight holds a server connection, so PAUSE waits for it.
    const inTransaction = await connect('orders_tx');
    await inTransaction.query('begin');
    expect(await serverPort(inTransaction)).toBe(endpoints.source.port);
    const other = await connect('orders_tx');

    // Act
    const switching = switchFor('orders_tx').pointTo('target');
    await expect.poll(async () => (await live('orders_tx')).paused).toBe(true);
    const queued = serverPort(other);
    const late = connect('orders_tx').then(serverPort);
    expect(await settled(queued, 300)).toBe(false);
    await inTransaction.query('commit');

    // Assess
    expect((await switching).action).toBe('switched');
    expect(await queued).toBe(endpoints.target.port);
    expect(await late).toBe(endpoints.target.port);
    expect(await serverPort(inTransaction)).toBe(endpoints.target.port);
  });

  it('session pooling: a connected client keeps its server, so PAUSE gives up after pauseTimeoutMs, resumes and names it', async () => {
    // Prepare
    const session = await connect('orders', 'orders-api');
    expect(await serverPort(session)).toBe(endpoints.source.port);

    // Act
    const failure = switchFor('orders', { pauseTimeoutMs: 500 }).pointTo('target');

    // Assess
    await expect(failure).rejects.toThrow(SwitchTransientError);
    await expect(failure).rejects.toThrow(/did not finish within 500 ms: 1 client\(s\) hold server connections \(app@127\.0\.0\.1:\d+ "orders-api"/);
    expect(await live('orders')).toEqual({ port: endpoints.source.port, paused: false });
    expect(await readFile(bouncer.databasesFile, 'utf8')).toBe(initialFile);
    expect(await serverPort(session)).toBe(endpoints.source.port);

    // Once the client disconnects, the switch goes through and new sessions reach the target.
    await session.end();
    expect((await switchFor('orders').pointTo('target')).action).toBe('switched');
    expect(await serverPort(await connect('orders'))).toBe(endpoints.target.port);
  });

  it('keeps every other line byte for byte, and the other pairs of its own line', async () => {
    // Act
    await switchFor('orders').pointTo('target');

    // Assess
    const before = initialFile.split('\n');
    const after = (await readFile(bouncer.databasesFile, 'utf8')).split('\n');
    const index = before.findIndex((l) => l.startsWith('orders '));
    expect(after.filter((_, i) => i !== index)).toEqual(before.filter((_, i) => i !== index));
    expect(after[index]).toBe(`orders = host=127.0.0.1 port=${endpoints.target.port} dbname=t1 pool_size=5 connect_query='SELECT ''ready'''`);
  });

  it('already on the side: changes nothing, says so, and resumes a database a crashed run left paused', async () => {
    // Prepare: a run that died between PAUSE and RESUME.
    await console_.query('PAUSE orders');
    const stamp = await readFile(bouncer.databasesFile, 'utf8');

    // Act
    const outcome = await switchFor('orders').pointTo('source');

    // Assess
    expect(outcome).toMatchObject({ action: 'already', side: 'source', from: `127.0.0.1:${endpoints.source.port}/t1` });
    expect(outcome.message).toMatch(/already sends "orders" to the source .*resumed/);
    expect(await live('orders')).toEqual({ port: endpoints.source.port, paused: false });
    expect(await readFile(bouncer.databasesFile, 'utf8')).toBe(stamp);
  });

  it('finishes a switch whose run died after rewriting the file but before RELOAD', async () => {
    // Prepare: the file says target, PgBouncer still uses the source.
    const half = initialFile.replace(/^(orders = host=127\.0\.0\.1 port=)\d+/m, `$1${endpoints.target.port}`);
    await writeFile(bouncer.databasesFile, half);

    // Act
    const outcome = await switchFor('orders').pointTo('target');

    // Assess: not "already": PgBouncer had not loaded the line.
    expect(outcome.action).toBe('switched');
    expect(await live('orders')).toEqual({ port: endpoints.target.port, paused: false });
    expect(await readFile(bouncer.databasesFile, 'utf8')).toBe(half);
  });

  it('refuses a line that points at neither endpoint and leaves the file and PgBouncer alone', async () => {
    // Prepare
    const foreign = initialFile.replace(/^orders = host=127\.0\.0\.1/m, 'orders = host=10.1.2.3');
    await writeFile(bouncer.databasesFile, foreign);

    // Act
    const failure = switchFor('orders').pointTo('target');

    // Assess
    await expect(failure).rejects.toThrow(SwitchUnexpectedValueError);
    await expect(failure).rejects.toThrow(/points database "orders" at 10\.1\.2\.3:\d+\/t1, which is neither the source/);
    expect(await readFile(bouncer.databasesFile, 'utf8')).toBe(foreign);
    expect(await live('orders')).toEqual({ port: endpoints.source.port, paused: false });
  });

  it('a RELOAD that does not take the line: puts the old line back and resumes the database', async () => {
    // Prepare: someone left a syntax error above our line; PgBouncer 1.18 still answers RELOAD with success.
    const broken = initialFile.replace('[databases]\n', '[databases]\nthis line is broken\n');
    await writeFile(bouncer.databasesFile, broken);
    const client = await connect('orders_tx');

    // Act
    const failure = switchFor('orders_tx').pointTo('target');

    // Assess
    await expect(failure).rejects.toThrow(SwitchFailedError);
    await expect(failure).rejects.toThrow(/still sends "orders_tx" to 127\.0\.0\.1:\d+\/t1, not the target .*old line was put back/);
    expect(await readFile(bouncer.databasesFile, 'utf8')).toBe(broken);
    expect(await live('orders_tx')).toEqual({ port: endpoints.source.port, paused: false });
    expect(await serverPort(client)).toBe(endpoints.source.port);
  });

  it('current() reports what PgBouncer uses, and the file when the console does not answer', async () => {
    const sw = switchFor('orders');
    expect(await sw.current()).toEqual({ side: 'source', value: `127.0.0.1:${endpoints.source.port}/t1` });

    await sw.pointTo('target');
    expect(await sw.current()).toEqual({ side: 'target', value: `127.0.0.1:${endpoints.target.port}/t1` });

    const unreachable = switchFor('orders', { port: await findFreePort(), consoleTimeoutMs: 2000 });
    const fromFile = await unreachable.current();
    expect(fromFile.side).toBe('target');
    expect(fromFile.value).toMatch(/^127\.0\.0\.1:\d+\/t1 \(from .*databases\.ini; the console at 127\.0\.0\.1:\d+ did not answer/);
    expect(fromFile.value).not.toContain(bouncer.admin.password);
  });
});

describe('the databases file', () => {
  const file = '/etc/pgbouncer/databases.ini';
  const to = { host: 'new host', port: 6543, database: "it's" };

  it('reads PgBouncer defaults: port 5432 and the entry name as dbname; adds them when rewriting', () => {
    const content = '[databases]\r\norders = host=a.example\r\n';
    const line = findDatabaseLine(content, 'orders', file);
    expect(line.endpoint).toEqual({ host: 'a.example', port: 5432, database: 'orders' });
    expect(rewriteDatabaseLine(content, line, to)).toBe("[databases]\r\norders = host='new host' port=6543 dbname=it's\r\n");
  });

  it('ignores entries of other sections and refuses a database defined twice or not at all', () => {
    const content = '[pgbouncer]\norders = x\n[databases]\norders = host=a\n';
    expect(findDatabaseLine(content, 'orders', file).index).toBe(3);
    expect(() => findDatabaseLine(`${content}orders = host=b\n`, 'orders', file)).toThrow(/defines database "orders" 2 times \(lines 4, 5\)/);
    expect(() => findDatabaseLine(content, 'missing', file)).toThrow(/has no line for database "missing"/);
  });

  it('refuses a connection string PgBouncer would not accept', () => {
    expect(() => findDatabaseLine("[databases]\norders = host='a\n", 'orders', file)).toThrow(/unterminated quote in host/);
    expect(() => findDatabaseLine('[databases]\norders = host=a port=x\n', 'orders', file)).toThrow(/port "x" is not a number/);
  });
});
