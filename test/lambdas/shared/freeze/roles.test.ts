import { describe, expect, it } from 'vitest';
import { FreezeRoleError } from '../../../../lambdas/shared/freeze/errors';
import { resolveFreezeRoles } from '../../../../lambdas/shared/freeze/roles';
import { useFreezeServer } from './freeze.fixture';

describe('resolveFreezeRoles', () => {
  const server = useFreezeServer();

  it('returns the configured roles as given when each exists and may be frozen', async () => {
    // Prepare
    const { db } = await server.freshDatabase();
    const b = await server.createRole(server.unique('app_b'));
    const a = await server.createRole(server.unique('app_a'), 'nologin');

    // Act
    const roles = await resolveFreezeRoles(db, [b, a]);

    // Assess
    expect(roles).toEqual([b, a]);
  });

  it('rejects a role that does not exist, naming it and the database', async () => {
    // Prepare
    const { db } = await server.freshDatabase();
    const missing = server.unique('nobody');

    // Act
    const act = resolveFreezeRoles(db, [missing]);

    // Assess
    await expect(act).rejects.toThrow(FreezeRoleError);
    await expect(act).rejects.toThrow(`freeze.roles: role "${missing}" does not exist on the source database. Nothing was frozen.`);
  });

  it('rejects a superuser, naming it', async () => {
    // Prepare
    const { db } = await server.freshDatabase();
    const root = await server.createRole(server.unique('root'), 'login superuser');

    // Act
    const act = resolveFreezeRoles(db, [root]);

    // Assess
    await expect(act).rejects.toThrow(FreezeRoleError);
    await expect(act).rejects.toThrow(`role "${root}" is a superuser, which no freeze can stop from writing`);
  });

  it('rejects the role Ferry connects as, naming it', async () => {
    // Prepare
    const { db } = await server.freshDatabase();

    // Act
    const act = resolveFreezeRoles(db, [server.user]);

    // Assess
    await expect(act).rejects.toThrow(FreezeRoleError);
    await expect(act).rejects.toThrow(`role "${server.user}" is the role Ferry connects as; give Ferry its own login role`);
  });

  it('names every problem at once, and not the roles that are fine', async () => {
    // Prepare
    const { db } = await server.freshDatabase();
    const fine = await server.createRole(server.unique('fine'));
    const root = await server.createRole(server.unique('root'), 'login superuser');
    const missing = server.unique('nobody');

    // Act
    const error = await resolveFreezeRoles(db, [fine, missing, root]).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(FreezeRoleError);
    expect((error as Error).message).toBe(
      `freeze.roles: role "${missing}" does not exist on the source database; ` +
        `role "${root}" is a superuser, which no freeze can stop from writing. Nothing was frozen.`,
    );
  });

  it('with no roles configured lists the login roles, but not superusers, replication roles, Ferry\'s own or the system\'s', async () => {
    // Prepare
    const { db } = await server.freshDatabase();
    const app = await server.createRole(server.unique('app'));
    const reporting = await server.createRole(server.unique('reporting'));
    const group = await server.createRole(server.unique('group'), 'nologin');
    const root = await server.createRole(server.unique('root'), 'login superuser');
    const replicator = await server.createRole(server.unique('replicator'), 'login replication');
    const rds = await server.createRole(server.unique('rds_ad'));

    // Act
    const roles = await resolveFreezeRoles(db, []);

    // Assess
    expect(roles).toEqual(expect.arrayContaining([app, reporting]));
    for (const excluded of [group, root, replicator, rds, server.user]) expect(roles).not.toContain(excluded);
    expect(roles.filter((r) => r.startsWith('pg_'))).toEqual([]);
    expect(roles).toEqual([...roles].sort());
  });
});
