import { describe, expect, it } from 'vitest';
import { targetPrivileges } from '../../../../../lambdas/shared/preflight/checks/target-privileges';
import { type DatabasePair, useFreshPairEachTest } from '../../../../helpers/database-pair';
import { asUser, contextOf, runCheck, useDatabases } from '../helpers';

describe('target-privileges', () => {
  const pair = useFreshPairEachTest();
  const open = useDatabases();

  async function appDatabase(owner: string, user: string): Promise<{ pair: DatabasePair; database: string; asLoader: () => ReturnType<typeof contextOf> }> {
    await pair.targetSql(`
      create role ${owner}; create role ${user} login password 'pw';
      create table orders (id int primary key); alter table orders owner to ${owner};`);
    return {
      pair,
      database: new URL(pair.targetUrl).pathname.slice(1),
      asLoader: () => contextOf({ source: pair.source, target: open(asUser(pair.targetUrl, user, 'pw'), 'target database') }),
    };
  }

  it('is ok for a superuser', async () => {
    await pair.targetSql('create table orders (id int primary key)');

    const result = await runCheck(targetPrivileges, contextOf(pair));

    expect(result).toMatchObject({ severity: 'ok', objects: [] });
  });

  it('is an error telling what to grant for the subscription and the tables (native, PostgreSQL 16+)', async () => {
    const { database, asLoader } = await appDatabase('depot_owner', 'depot_loader');

    const result = await runCheck(targetPrivileges, asLoader());

    expect(result).toMatchObject({ severity: 'error', objects: ['depot_loader', 'public.orders'] });
    expect(result.message).toContain(`GRANT pg_create_subscription TO "depot_loader"; GRANT CREATE ON DATABASE "${database}" TO "depot_loader";`);
    expect(result.message).toContain('may not SET ROLE to the owner of 1 selected table: public.orders. GRANT "depot_owner" TO "depot_loader" WITH SET TRUE;');
    expect(result.message).toContain(
      'depot_loader lacks SELECT, INSERT, UPDATE, DELETE, TRUNCATE on 1 selected target table: public.orders (SELECT, INSERT, UPDATE, DELETE, TRUNCATE). GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON "public"."orders" TO "depot_loader";',
    );
  });

  it('is ok once the user may create subscriptions and act as the table owner', async () => {
    const { pair, database, asLoader } = await appDatabase('yard_owner', 'yard_loader');
    await pair.targetSql(`grant pg_create_subscription to yard_loader; grant create on database ${database} to yard_loader; grant yard_owner to yard_loader with set true`);

    const result = await runCheck(targetPrivileges, asLoader());

    expect(result).toMatchObject({ severity: 'ok', objects: [] });
    expect(result.message).toBe('The target user yard_loader may create the subscription and read and write the 1 selected table.');
  });

  it('for DMS, names the one table privilege that is missing', async () => {
    const { pair, asLoader } = await appDatabase('dock_owner', 'dock_loader');
    await pair.targetSql('grant select, insert, update, delete on orders to dock_loader');

    const result = await runCheck(targetPrivileges, { ...asLoader(), engine: 'dms' });

    expect(result).toMatchObject({ severity: 'error', objects: ['public.orders'] });
    expect(result.message).toContain('dock_loader lacks TRUNCATE on 1 selected target table: public.orders (TRUNCATE).');
  });
});
