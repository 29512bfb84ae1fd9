import { describe, expect, it } from 'vitest';
import { Database } from '../../../../../lambdas/shared/pg/connection';
import { ReplicationStartRefusedError } from '../../../../../lambdas/shared/replication/engine';
import { NativeEngine } from '../../../../../lambdas/shared/replication/native/engine';
import { NOTHING, REPLICATION_TIMEOUT, connectionOf, type NativePair, replicationObjects, useNativePair, waitForSameRows, waitForState } from './native.fixture';

describe('native replication: start, stop, failure', () => {
  const servers = useNativePair();

  it('start is idempotent, and resumes a disabled subscription where it stopped', async () => {
    // Prepare
    const pair = await servers.fresh();
    await pair.bothSql('create table items (id int primary key)');
    await pair.sourceSql('insert into items select generate_series(1, 100)');

    // Act
    const first = await pair.engine.start();
    const second = await pair.engine.start();

    // Assess
    expect(first.action).toBe('started');
    expect(second.action).toBe('already-running');
    await waitForState(pair.engine, 'cdc');

    // Act: paused (as PostgreSQL or an operator would), writes meanwhile, then start again
    await pair.targetSql(`alter subscription ${pair.name} disable`);
    await pair.sourceSql('insert into items select generate_series(101, 150)');
    const stopped = await pair.engine.status();
    const resumed = await pair.engine.start();

    // Assess: resumed, not copied again (a second copy would collide on the primary key)
    expect(stopped).toEqual({ state: 'stopped', detail: 'the subscription is disabled; start() resumes it' });
    expect(resumed.action).toBe('resumed');
    await waitForSameRows(pair, 'items');
    expect((await pair.engine.status()).state).toBe('cdc');
  });

  it('stop removes the subscription, every slot and the publication on both servers, and is idempotent', async () => {
    // Prepare
    const pair = await servers.fresh();
    await pair.bothSql('create table items (id int primary key)');
    await pair.sourceSql('insert into items select generate_series(1, 100)');
    const never = await pair.engine.stop();
    await pair.engine.start();
    await waitForState(pair.engine, 'cdc');

    // Act
    const stopped = await pair.engine.stop();
    const again = await pair.engine.stop();

    // Assess
    expect(never.action).toBe('already-stopped');
    expect(stopped.action).toBe('stopped');
    expect(again.action).toBe('already-stopped');
    expect(await replicationObjects(pair.sourceSql)).toEqual(NOTHING);
    expect(await replicationObjects(pair.targetSql)).toEqual(NOTHING);
    expect(await pair.engine.status()).toEqual({ state: 'not-started' });
  });

  it('stop also cleans up in the middle of the initial copy (table-sync slots included)', async () => {
    // Prepare: the copy blocks at its 50th row on a lock the test holds (an ALWAYS trigger fires
    // during the table-sync COPY), after the table-sync slot was created on the source
    const pair = await servers.fresh();
    await pair.bothSql('create table big (id int primary key)');
    await pair.sourceSql('insert into big select generate_series(1, 100)');
    await pair.targetSql(`
      create function wait_at_50() returns trigger language plpgsql as $$
      begin if new.id = 50 then perform pg_advisory_xact_lock_shared(4243); end if; return new; end $$;
      create trigger wait_at_50 before insert on big for each row execute function wait_at_50();
      alter table big enable always trigger wait_at_50;
      select pg_advisory_lock(4243);
    `);
    await pair.engine.start();
    const syncSlots = `select count(*)::int as n from pg_replication_slots where slot_name like 'pg\\_%\\_sync\\_%'`;
    await expect.poll(async () => (await pair.sourceSql(syncSlots)).rows[0].n, REPLICATION_TIMEOUT).toBe(1);

    // Act
    await pair.engine.stop();

    // Assess
    await pair.targetSql('select pg_advisory_unlock(4243)');
    expect(await replicationObjects(pair.sourceSql)).toEqual(NOTHING);
    expect(await replicationObjects(pair.targetSql)).toEqual(NOTHING);
  });

  it('stop cleans up even when the target server can no longer reach the source', async () => {
    // Prepare: the subscription's connection points to a port nobody listens on
    const pair = await servers.fresh();
    await pair.bothSql('create table items (id int primary key)');
    await pair.engine.start();
    await waitForState(pair.engine, 'cdc');
    await pair.targetSql(`alter subscription ${pair.name} connection 'host=127.0.0.1 port=1 dbname=x user=x connect_timeout=2'`);

    // Act
    const stopped = await pair.engine.stop();

    // Assess: the slot was dropped on the source by Ferry itself
    expect(stopped.message).toContain(`slot(s) ${pair.name}`);
    expect(await replicationObjects(pair.sourceSql)).toEqual(NOTHING);
    expect(await replicationObjects(pair.targetSql)).toEqual(NOTHING);
  });

  it('reports a subscription that PostgreSQL disabled after an error as failed, and resumes it once fixed', async () => {
    // Prepare
    const pair = await servers.fresh();
    await pair.bothSql('create table items (id int primary key)');
    await pair.engine.start();
    await waitForState(pair.engine, 'cdc');

    // Act: a row on the target collides with the next insert on the source
    await pair.targetSql('insert into items values (5)');
    await pair.sourceSql('insert into items values (5)');

    // Assess
    await expect.poll(async () => (await pair.engine.status()).state, REPLICATION_TIMEOUT).toBe('failed');
    const failed = await pair.engine.status();
    expect(failed).toMatchObject({ state: 'failed', tables: [{ table: 'public.items', state: 'loaded' }] });
    expect(failed.state === 'failed' && failed.cause).toMatch(/disabled after an error \(1 apply error\(s\), 0 table-copy error\(s\).*server log of the target database/);

    // Act: fix and resume
    await pair.targetSql('delete from items where id = 5');
    expect((await pair.engine.start()).action).toBe('resumed');

    // Assess
    await waitForState(pair.engine, 'cdc');
    await waitForSameRows(pair, 'items');
  });

  it('refuses to start with tables that lack a replica identity, are unlogged, missing on the target, or already hold rows there', async () => {
    const pair = await servers.fresh();
    const refusal = () => pair.engine.start().catch((e: unknown) => e);

    expect(await refusal()).toEqual(expect.objectContaining({ name: 'ReplicationStartRefusedError', message: expect.stringMatching(/No table .* matches/) }));

    await pair.bothSql('create table keyless (a int); create table keyed (id int primary key)');
    expect(await refusal()).toEqual(expect.objectContaining({ message: expect.stringMatching(/no primary key or replica identity.*: public\.keyless\./) }));

    await pair.bothSql('alter table keyless replica identity full; create unlogged table scratch (id int primary key)');
    expect(await refusal()).toEqual(expect.objectContaining({ message: expect.stringMatching(/UNLOGGED .*: public\.scratch\./) }));

    await pair.bothSql('drop table scratch');
    await pair.sourceSql('create table only_here (id int primary key)');
    expect(await refusal()).toEqual(expect.objectContaining({ message: expect.stringMatching(/do not exist on the target database.*: public\.only_here\./) }));

    await pair.targetSql('create table only_here (id int primary key); insert into keyed values (1)');
    expect(await refusal()).toEqual(expect.objectContaining({ message: expect.stringMatching(/already hold rows: public\.keyed\./) }));

    // Nothing was created by the refused attempts
    expect(await refusal()).toBeInstanceOf(ReplicationStartRefusedError);
    expect(await replicationObjects(pair.sourceSql)).toEqual(NOTHING);
    expect(await replicationObjects(pair.targetSql)).toEqual(NOTHING);
  });

  it('reload copies again into emptied target tables, and refuses while they hold rows', async () => {
    // Prepare
    const pair = await servers.fresh();
    await pair.bothSql('create table items (id int primary key)');
    await pair.sourceSql('insert into items select generate_series(1, 100)');
    await pair.engine.start();
    await waitForState(pair.engine, 'cdc');
    await waitForSameRows(pair, 'items');

    // Act + Assess: refused while the target holds rows
    await expect(pair.engine.start({ reload: true })).rejects.toThrow(/already hold rows: public\.items/);

    // Act: the operator pauses and empties the target, then reloads
    await pair.targetSql(`alter subscription ${pair.name} disable`);
    await pair.targetSql('truncate items');
    const reloaded = await pair.engine.start({ reload: true });

    // Assess
    expect(reloaded.action).toBe('reloaded');
    await waitForState(pair.engine, 'cdc');
    await waitForSameRows(pair, 'items');
    const slots = await pair.sourceSql('select slot_name from pg_replication_slots');
    expect(slots.rows).toEqual([{ slot_name: pair.name }]);
  });

  it('says which privilege is missing when the source may not publish or the target may not subscribe', async () => {
    // Prepare: a role that owns nothing and is no superuser, on both servers
    const pair = await servers.fresh();
    await pair.bothSql(`create table items (id int primary key);
      create role ferry_limited login password 'limited'; grant select on items to ferry_limited`);
    const asLimited = (url: string, label: string) => {
      const u = new URL(url);
      u.username = 'ferry_limited';
      u.password = 'limited';
      return new Database({ label, config: { connectionString: u.toString() } });
    };
    const limitedSource = asLimited(pair.sourceUrl, 'source database');
    const limitedTarget = asLimited(pair.targetUrl, 'target database');
    const engineOver = (source: Database, target: Database) => new NativeEngine({ ...optionsOf(pair), source, target });

    try {
      // Act + Assess
      await expect(engineOver(limitedSource, pair.target).start()).rejects.toThrow(
        /Creating or changing the publication "ferry_t\d+" on the source database was refused: publishing a table needs ownership/,
      );
      await expect(engineOver(pair.source, limitedTarget).start()).rejects.toThrow(
        /Creating the subscription "ferry_t\d+" on the target database was refused: creating a subscription needs superuser, or \(PostgreSQL 16\+\) membership in pg_create_subscription/,
      );
    } finally {
      await Promise.all([limitedSource.close(), limitedTarget.close()]);
      await pair.engine.stop();
      await pair.bothSql('drop owned by ferry_limited; drop role ferry_limited');
    }
  });

  it('connects with a password full of quotes, backslashes and spaces', async () => {
    // Prepare: a replication user on the source with such a password
    const password = `it's a \\'tricky\\' one \\\\ "x" = y`;
    const pair = await servers.fresh();
    await pair.bothSql('create table items (id int primary key)');
    await pair.sourceSql('insert into items select generate_series(1, 10)');
    await pair.sourceSql(`create role ferry_repl login replication password ${escapeLiteral(password)}; grant select on items to ferry_repl`);
    const engine = pair.engineWith({ sourceConnection: { ...connectionOf(pair.sourceUrl), user: 'ferry_repl', password } });

    try {
      // Act
      await engine.start();

      // Assess
      await waitForState(engine, 'cdc');
      await waitForSameRows(pair, 'items');
    } finally {
      await engine.stop();
      await pair.sourceSql('drop owned by ferry_repl; drop role ferry_repl');
    }
  });
});

function optionsOf(pair: NativePair) {
  return {
    sourceConnection: connectionOf(pair.sourceUrl),
    targetConnection: connectionOf(pair.targetUrl),
    name: pair.name,
    selection: { include: ['public.*'] },
  };
}

function escapeLiteral(value: string): string {
  return `E'${value.replace(/[\\']/g, '\\$&')}'`;
}
