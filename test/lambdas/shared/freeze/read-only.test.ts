import { describe, expect, it } from 'vitest';
import { applyReadOnly, planReadOnly, restoreReadOnly } from '../../../../lambdas/shared/freeze/read-only';
import { failureOf, useFreezeServer, type FreezeDatabase } from './freeze.fixture';

/** Every role's settings in every database, as `role@database: setting=value, ...`. */
async function roleSettings(sql: FreezeDatabase['sql'], roles: readonly string[]): Promise<string[]> {
  const { rows } = await sql(
    `select r.rolname || '@' || coalesce(d.datname, '*') || ': ' || array_to_string(s.setconfig, ', ') as line
       from pg_db_role_setting s join pg_roles r on r.oid = s.setrole left join pg_database d on d.oid = s.setdatabase
      where r.rolname = any($1::text[]) order by 1`,
    [roles],
  );
  return rows.map((r: { line: string }) => r.line);
}

describe('read-only method', () => {
  const server = useFreezeServer();

  async function databaseWithRoles() {
    const database = await server.freshDatabase();
    const app = await server.createRole(server.unique('app'));
    const other = await server.createRole(server.unique('other'));
    await database.sql(`create table items (id int); grant select, insert on items to "${app}", "${other}"`);
    return { ...database, app, other };
  }

  it("planReadOnly reads each role's own setting in this database, ignoring other databases and the role-wide one", async () => {
    // Prepare
    const { db, sql, name, app, other } = await databaseWithRoles();
    const elsewhere = await server.freshDatabase();
    const quiet = await server.createRole(server.unique('quiet'));
    await sql(`alter role "${app}" in database "${name}" set default_transaction_read_only = off;
      alter role "${app}" in database "${name}" set statement_timeout = '5s';
      alter role "${other}" in database "${elsewhere.name}" set default_transaction_read_only = on;
      alter role "${other}" set default_transaction_read_only = on;
      alter role "${quiet}" in database "${name}" set work_mem = '8MB'`);

    // Act
    const plan = await planReadOnly(db, [other, app, quiet]);

    // Assess
    expect(plan.previous).toEqual(
      [
        { role: app, value: 'off' },
        { role: other, value: null },
        { role: quiet, value: null },
      ].sort((a, b) => a.role.localeCompare(b.role)),
    );
  });

  it("applyReadOnly makes the roles' new sessions in this database read-only, and not another role's nor theirs elsewhere", async () => {
    // Prepare
    const { db, app, other, connectAs } = await databaseWithRoles();
    const elsewhere = await server.freshDatabase();
    await elsewhere.sql(`create table items (id int); grant insert on items to "${app}"`);
    const before = await connectAs(app);
    const plan = await planReadOnly(db, [app]);

    // Act
    await applyReadOnly(db, plan);

    // Assess
    const fresh = await connectAs(app);
    expect(await failureOf(fresh.query('insert into items values (1)'))).toEqual({
      code: '25006',
      message: 'cannot execute INSERT in a read-only transaction',
    });
    expect(await failureOf((await connectAs(other)).query('insert into items values (2)'))).toBeUndefined();
    expect(await failureOf((await elsewhere.connectAs(app)).query('insert into items values (3)'))).toBeUndefined();
    // The setting applies at connection: the caller must end the sessions already open.
    expect(await failureOf(before.query('insert into items values (4)'))).toBeUndefined();
  });

  it('restoreReadOnly puts back a previous setting and resets a role that had none, leaving its other settings alone', async () => {
    // Prepare
    const { db, sql, name, app, other, connectAs } = await databaseWithRoles();
    await sql(`alter role "${app}" in database "${name}" set default_transaction_read_only = off;
      alter role "${other}" in database "${name}" set statement_timeout = '5s'`);
    const before = await roleSettings(sql, [app, other]);
    const plan = await planReadOnly(db, [app, other]);
    await applyReadOnly(db, plan);
    const frozen = await roleSettings(sql, [app, other]);

    // Act
    await restoreReadOnly(db, plan);

    // Assess
    expect(frozen).toEqual([`${app}@${name}: default_transaction_read_only=on`, `${other}@${name}: statement_timeout=5s, default_transaction_read_only=on`]);
    expect(await roleSettings(sql, [app, other])).toEqual(before);
    expect(await failureOf((await connectAs(app)).query('insert into items values (1)'))).toBeUndefined();
    expect(await failureOf((await connectAs(other)).query('insert into items values (2)'))).toBeUndefined();
  });

  it('restoreReadOnly removes the setting entirely from a role that had no setting at all', async () => {
    // Prepare
    const { db, sql, app } = await databaseWithRoles();
    const plan = await planReadOnly(db, [app]);
    await applyReadOnly(db, plan);

    // Act
    await restoreReadOnly(db, plan);
    await restoreReadOnly(db, plan);

    // Assess
    expect(await roleSettings(sql, [app])).toEqual([]);
  });
});
