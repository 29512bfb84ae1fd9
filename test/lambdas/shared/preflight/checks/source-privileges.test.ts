import { describe, expect, it } from 'vitest';
import { sourcePrivileges } from '../../../../../lambdas/shared/preflight/checks/source-privileges';
import { type DatabasePair, useFreshPairEachTest } from '../../../../helpers/database-pair';
import { asUser, contextOf, runCheck, useDatabases } from '../helpers';

describe('source-privileges', () => {
  const pair = useFreshPairEachTest();
  const open = useDatabases();

  /** Tables owned by an application role, and a migration user with nothing granted yet. */
  async function appDatabase(owner: string, user: string): Promise<{ pair: DatabasePair; asMigrator: () => ReturnType<typeof contextOf> }> {
    await pair.sourceSql(`
      create role ${owner}; create role ${user} login password 'pw';
      create table orders (id int primary key); create table ledger (id int primary key);
      alter table orders owner to ${owner}; alter table ledger owner to ${owner};
      grant select on ledger to ${user};`);
    return { pair, asMigrator: () => contextOf({ source: open(asUser(pair.sourceUrl, user, 'pw')), target: pair.target }) };
  }

  it('is ok for a superuser', async () => {
    await pair.sourceSql('create table orders (id int primary key)');

    const result = await runCheck(sourcePrivileges, contextOf(pair));

    expect(result).toEqual({ id: 'source-privileges', severity: 'ok', message: 'The source user postgres is a superuser: it has every privilege the replication needs.', objects: [] });
  });

  it('is an error telling what to grant when the user may not replicate, read, or publish the tables (native)', async () => {
    const { pair, asMigrator } = await appDatabase('shop_owner', 'shop_migrator');

    const result = await runCheck(sourcePrivileges, asMigrator());

    expect(result.severity).toBe('error');
    expect(result.objects).toEqual(['shop_migrator', 'public.orders', expect.stringMatching(/^t\d+$/), 'public.ledger']);
    expect(result.message).toContain('The source user shop_migrator may not use replication. Self-managed: ALTER ROLE "shop_migrator" REPLICATION; RDS and Aurora: GRANT rds_replication TO "shop_migrator";');
    expect(result.message).toContain('shop_migrator cannot read 1 selected table: public.orders. GRANT SELECT ON "public"."orders" TO "shop_migrator";');
    expect(result.message).toContain(`GRANT CREATE ON DATABASE "${new URL(pair.sourceUrl).pathname.slice(1)}" TO "shop_migrator";`);
    expect(result.message).toContain('shop_migrator does not own 2 selected tables: public.ledger and public.orders.');
    expect(result.message).toContain('GRANT "shop_owner" TO "shop_migrator";');
  });

  it('is ok once the user may replicate, create the publication and has the owner role', async () => {
    const { pair, asMigrator } = await appDatabase('kiosk_owner', 'kiosk_migrator');
    const database = new URL(pair.sourceUrl).pathname.slice(1);
    await pair.sourceSql(`alter role kiosk_migrator replication; grant kiosk_owner to kiosk_migrator; grant create on database ${database} to kiosk_migrator`);

    const result = await runCheck(sourcePrivileges, asMigrator());

    expect(result).toMatchObject({ severity: 'ok', objects: [] });
    expect(result.message).toBe('The source user kiosk_migrator can use replication and read all 2 selected tables, create the publication and add them to it.');
  });

  it('for DMS needs only replication and SELECT', async () => {
    const { pair, asMigrator } = await appDatabase('till_owner', 'till_migrator');
    await pair.sourceSql('alter role till_migrator replication; grant select on orders to till_migrator');

    const result = await runCheck(sourcePrivileges, { ...asMigrator(), engine: 'dms' });

    expect(result).toMatchObject({ severity: 'ok', objects: [] });
  });
});
