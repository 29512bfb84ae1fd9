import { describe, expect, it } from 'vitest';
import { FreezeIncompleteError } from '../../../../lambdas/shared/freeze/errors';
import { applyRevoke, planRevoke, restoreGrants } from '../../../../lambdas/shared/freeze/revoke';
import type { TableName } from '../../../../lambdas/shared/pg/identifiers';
import { failureOf, privilegesOf, useFreezeServer, type FreezeDatabase } from './freeze.fixture';

const table = (name: string): TableName => ({ schema: 'public', name });

/** What `role` may do to each table right now, as the server decides it. */
async function writesAllowed(sql: FreezeDatabase['sql'], role: string, tables: readonly string[]): Promise<string[]> {
  const { rows } = await sql(
    `select t || ': ' || p as allowed
       from unnest($2::text[]) as t, unnest(array['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) as p
      where case when p in ('INSERT', 'UPDATE') then has_any_column_privilege($1, t, p) else has_table_privilege($1, t, p) end
      order by 1`,
    [role, tables],
  );
  return rows.map((r: { allowed: string }) => r.allowed);
}

describe('revoke method', () => {
  const server = useFreezeServer();

  /** A database where `app` has every kind of write privilege the revoke method must put back exactly. */
  async function grantedDatabase() {
    const database = await server.freshDatabase();
    const app = await server.createRole(server.unique('app'));
    const other = await server.createRole(server.unique('other'));
    await database.sql(`
      create table orders (id int primary key, note text);
      create table notes (id int primary key, body text, flag bool);
      create table owned (id int primary key);
      create table untouched (id int primary key);
      grant select, insert, update, delete, truncate on orders to "${app}";
      grant select on notes to "${app}";
      grant update (body) on notes to "${app}";
      grant insert (id, body) on notes to "${app}" with grant option;
      alter table owned owner to "${app}";
      grant select, insert on orders to "${other}";
      grant insert on untouched to "${app}";`);
    return { ...database, app, other };
  }

  it('planRevoke lists the write privileges the roles hold directly: table and column grants, grant options, an owner\'s implicit ones', async () => {
    // Prepare
    const { db, app } = await grantedDatabase();

    // Act
    const plan = await planRevoke(db, [app], [table('orders'), table('notes'), table('owned')]);

    // Assess: not SELECT, not another role's grants, not a table outside the selection
    const grant = (t: string, privilege: string, extra: object = {}) => ({ schema: 'public', table: t, role: app, privilege, grantable: false, ...extra });
    expect(plan.grants).toEqual([
      grant('notes', 'INSERT', { column: 'body', grantable: true }),
      grant('notes', 'UPDATE', { column: 'body' }),
      grant('notes', 'INSERT', { column: 'id', grantable: true }),
      grant('orders', 'DELETE'),
      grant('orders', 'INSERT'),
      grant('orders', 'TRUNCATE'),
      grant('orders', 'UPDATE'),
      grant('owned', 'DELETE'),
      grant('owned', 'INSERT'),
      grant('owned', 'TRUNCATE'),
      grant('owned', 'UPDATE'),
    ]);
  });

  it('applyRevoke takes every write privilege of the roles on the tables, and restoreGrants puts back exactly what there was', async () => {
    // Prepare
    const { db, sql, app, other } = await grantedDatabase();
    const tables = [table('orders'), table('notes'), table('owned')];
    const before = await privilegesOf(sql);
    const plan = await planRevoke(db, [app], tables);

    // Act
    await applyRevoke(db, plan, [app], tables);
    const whileFrozen = { app: await writesAllowed(sql, app, ['orders', 'notes', 'owned', 'untouched']), other: await writesAllowed(sql, other, ['orders']) };
    await restoreGrants(db, plan);

    // Assess
    expect(whileFrozen).toEqual({ app: ['untouched: INSERT'], other: ['orders: INSERT'] });
    expect(await privilegesOf(sql)).toEqual(before);
    expect(before).toEqual(
      expect.arrayContaining([
        `notes.body: ${app} UPDATE by ${server.user}`,
        `notes.body: ${app} INSERT with grant option by ${server.user}`,
        `owned: ${app} INSERT by ${app}`,
      ]),
    );
  });

  it('restores an owner\'s privileges on a table that never had an explicit ACL', async () => {
    // Prepare
    const { db, sql, app } = await grantedDatabase();
    const plan = await planRevoke(db, [app], [table('owned')]);
    const { rows: aclBefore } = await sql(`select relacl from pg_class where oid = 'owned'::regclass`);

    // Act
    await applyRevoke(db, plan, [app], [table('owned')]);
    await restoreGrants(db, plan);

    // Assess: the ACL is now explicit, and says what the implicit one did
    expect(aclBefore).toEqual([{ relacl: null }]);
    const { rows } = await sql(`select relacl = acldefault('r', relowner) as same from pg_class where oid = 'owned'::regclass`);
    expect(rows).toEqual([{ same: true }]);
  });

  it('the revoked role\'s writes fail with permission denied and its reads work, and its writes work again after the restore', async () => {
    // Prepare
    const { db, app, connectAs } = await grantedDatabase();
    const tables = [table('orders'), table('notes')];
    const session = await connectAs(app);
    const plan = await planRevoke(db, [app], tables);

    // Act
    await applyRevoke(db, plan, [app], tables);
    const frozen = await failureOf(session.query(`update notes set body = 'x'`));
    const read = await session.query('select count(*)::int as n from notes');
    await restoreGrants(db, plan);

    // Assess
    expect(frozen).toEqual({ code: '42501', message: 'permission denied for table notes' });
    expect(read.rows).toEqual([{ n: 0 }]);
    expect(await failureOf(session.query(`insert into notes (id, body) values (1, 'b')`))).toBeUndefined();
  });

  it('applyRevoke and restoreGrants are safe to repeat', async () => {
    // Prepare
    const { db, sql, app } = await grantedDatabase();
    const tables = [table('orders'), table('notes'), table('owned')];
    const before = await privilegesOf(sql);
    const plan = await planRevoke(db, [app], tables);

    // Act
    await applyRevoke(db, plan, [app], tables);
    await applyRevoke(db, plan, [app], tables);
    const whileFrozen = await writesAllowed(sql, app, ['orders', 'notes', 'owned']);
    await restoreGrants(db, plan);
    await restoreGrants(db, plan);

    // Assess
    expect(whileFrozen).toEqual([]);
    expect(await privilegesOf(sql)).toEqual(before);
  });

  it('applyRevoke fails with FreezeIncompleteError when a role can still write through a group role, and revokes nothing', async () => {
    // Prepare
    const { db, sql, app } = await grantedDatabase();
    const writers = await server.createRole(server.unique('writers'), 'nologin');
    await sql(`grant insert, delete on orders to "${writers}"; grant "${writers}" to "${app}"`);
    const before = await privilegesOf(sql);
    const plan = await planRevoke(db, [app], [table('orders'), table('notes')]);

    // Act
    const error = await applyRevoke(db, plan, [app], [table('orders'), table('notes')]).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(FreezeIncompleteError);
    expect((error as Error).message).toMatch(
      new RegExp(`^After revoking their own grants, roles can still write: ${app}: INSERT on public\\.orders; ${app}: DELETE on public\\.orders\\. .*Nothing was changed\\.$`),
    );
    expect(await privilegesOf(sql)).toEqual(before);
  });

  it('applyRevoke fails with FreezeIncompleteError when PUBLIC may write', async () => {
    // Prepare
    const { db, sql, app } = await grantedDatabase();
    await sql('grant update on untouched to public');
    const before = await privilegesOf(sql);
    const plan = await planRevoke(db, [app], [table('untouched')]);

    // Act
    const act = applyRevoke(db, plan, [app], [table('untouched')]);

    // Assess
    await expect(act).rejects.toThrow(FreezeIncompleteError);
    await expect(act).rejects.toThrow(`roles can still write: ${app}: UPDATE on public.untouched.`);
    expect(await privilegesOf(sql)).toEqual(before);
  });

  it('applyRevoke fails with FreezeIncompleteError when the grant was made by a role other than the owner', async () => {
    // Prepare: Ferry's revoke acts as the owner, and the owner cannot revoke what another role granted
    const { db, sql, app } = await grantedDatabase();
    const dba = await server.createRole(server.unique('dba'));
    await sql(`grant delete on untouched to "${dba}" with grant option; set role "${dba}"; grant delete on untouched to "${app}"; reset role`);
    const before = await privilegesOf(sql);
    const plan = await planRevoke(db, [app], [table('untouched')]);

    // Act
    const act = applyRevoke(db, plan, [app], [table('untouched')]);

    // Assess
    await expect(act).rejects.toThrow(FreezeIncompleteError);
    await expect(act).rejects.toThrow(`roles can still write: ${app}: DELETE on public.untouched.`);
    expect(await privilegesOf(sql)).toEqual(before);
  });

  it('applyRevoke fails with FreezeIncompleteError when the role has passed the privilege on with its grant option, and revokes nothing', async () => {
    // Prepare: revoking would need CASCADE, which would take the reporter's grant too, beyond any thaw's reach
    const { db, sql, app } = await grantedDatabase();
    const reporter = await server.createRole(server.unique('reporter'));
    await sql(`set role "${app}"; grant insert (body) on notes to "${reporter}"; reset role`);
    const before = await privilegesOf(sql);
    const plan = await planRevoke(db, [app, reporter], [table('orders'), table('notes')]);

    // Act
    const error = await applyRevoke(db, plan, [app, reporter], [table('orders'), table('notes')]).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(FreezeIncompleteError);
    expect((error as Error).message).toBe(
      `${app} has granted INSERT (body) on public.notes to other roles with its grant option, so it cannot be revoked without revoking theirs. ` +
        `Have those roles' privileges granted by the table owner instead, or use freeze.method 'read-only'. Nothing was changed.`,
    );
    expect(await privilegesOf(sql)).toEqual(before);
    expect(before).toContain(`notes.body: ${reporter} INSERT by ${app}`);
  });

  it('quotes names that need it', async () => {
    // Prepare
    const database = await server.freshDatabase();
    const app = await server.createRole(server.unique('App "Quoted"'));
    await database.sql(`create schema "Sales Data"; create table "Sales Data"."Order Lines" ("Unit Price" int);
      grant usage on schema "Sales Data" to ${quote(app)};
      grant insert, update ("Unit Price") on "Sales Data"."Order Lines" to ${quote(app)}`);
    const tables = [{ schema: 'Sales Data', name: 'Order Lines' }];
    const plan = await planRevoke(database.db, [app], tables);

    // Act
    await applyRevoke(database.db, plan, [app], tables);
    const { rows: frozen } = await database.sql(`select has_any_column_privilege($1, '"Sales Data"."Order Lines"', 'UPDATE') as update`, [app]);
    await restoreGrants(database.db, plan);

    // Assess
    expect(plan.grants.map((g) => `${g.privilege} ${g.column ?? ''}`)).toEqual(['INSERT ', 'UPDATE Unit Price']);
    expect(frozen).toEqual([{ update: false }]);
    const { rows } = await database.sql(`select has_table_privilege($1, '"Sales Data"."Order Lines"', 'INSERT') as insert, has_column_privilege($1, '"Sales Data"."Order Lines"', 'Unit Price', 'UPDATE') as update`, [app]);
    expect(rows).toEqual([{ insert: true, update: true }]);
  });
});

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
