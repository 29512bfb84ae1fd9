import { describe, expect, it } from 'vitest';
import { rolesReady } from '../../../lambdas/guardrails/roles';
import type { FreezeRecord } from '../../../lambdas/shared/checkpoints';
import { MigrationSchema } from '../../../lambdas/shared/migration-config';
import { usePostgresPair } from '../../helpers/database-pair';
import { ORDERS } from '../../helpers/migrations';

/** Roles live per server and outlive a test's databases: each test names its own. */
const migrationFor = (roles: string[]) => MigrationSchema.parse({ ...ORDERS, tables: { include: ['shop.*'] }, freeze: { roles } });

const SHOP = `
  create schema shop;
  create table shop.orders (id serial primary key, total numeric);
  create sequence shop.invoice_no;
  create table shop.invoices (id int primary key, no bigint default nextval('shop.invoice_no'));`;

/** On the source: `app` writes everything, `report` only reads. */
const grantsOnSource = (app: string, report: string) => `
  create role ${app} login; create role ${report} login;
  grant usage on schema shop to ${app}, ${report};
  grant select, insert, update, delete on all tables in schema shop to ${app};
  grant usage on all sequences in schema shop to ${app};
  grant select on all tables in schema shop to ${report};`;

/** The roles-ready guardrail on two real servers: has_*_privilege on each side, compared. */
describe('the roles-ready guardrail', () => {
  const servers = usePostgresPair();

  it('passes when every application role can do on the target what it does on the source, through a group role too', async () => {
    // Prepare: on the target app writes through a group role; report cannot even read (not a write: not asked)
    const pair = await servers.freshPair();
    await pair.bothSql(SHOP);
    await pair.sourceSql(grantsOnSource('p_app', 'p_report'));
    await pair.targetSql(`
      create role p_app login; create role p_report login; create role p_writers;
      grant p_writers to p_app;
      grant usage on schema shop to p_writers, p_report;
      grant select, insert, update, delete on all tables in schema shop to p_writers;
      grant usage on all sequences in schema shop to p_writers;`);

    // Act
    const r = await rolesReady(migrationFor(['p_app', 'p_report']), pair);

    // Assess
    expect(r).toEqual({
      passed: true,
      message:
        'the 2 application role(s) (p_app, p_report; freeze.roles) exist on the target, can log in there where they can on the source, ' +
        'and hold there the INSERT, UPDATE, DELETE and USAGE they hold on the source on the 2 selected table(s), 2 sequence(s) and 1 schema(s)',
    });
  });

  it('fails naming each role, object and privilege missing on the target: a role, a login, a table, a write, a sequence and a schema', async () => {
    // Prepare
    const pair = await servers.freshPair();
    await pair.bothSql(SHOP);
    await pair.sourceSql(`${grantsOnSource('f_app', 'f_report')}
      create table shop.audit (id int); grant insert on shop.audit to f_app;
      create role f_ops login; grant usage on schema shop to f_ops; grant insert on shop.orders to f_ops;`);
    await pair.targetSql(`
      create role f_app nologin; create role f_ops login;
      grant usage on schema shop to f_app;
      grant select, insert, delete on shop.orders to f_app; grant select, insert, update, delete on shop.invoices to f_app;
      grant insert on shop.orders to f_ops;`);

    // Act
    const r = await rolesReady(migrationFor(['f_app', 'f_report', 'f_ops']), pair);

    // Assess
    expect(r.passed).toBe(false);
    expect(r.message).toBe(
      'after the switch the application could not write on the target: table shop.audit does not exist on the target; ' +
        'role f_app can log in on the source but not on the target (ALTER ROLE ... LOGIN); ' +
        'role f_app lacks USAGE on sequence shop.invoice_no on the target (it has it on the source); ' +
        'role f_app lacks USAGE on sequence shop.orders_id_seq on the target (it has it on the source); ' +
        'role f_app lacks UPDATE on table shop.orders on the target (it has it on the source); ' +
        'role f_report does not exist on the target; ' +
        'role f_ops lacks USAGE on schema shop on the target (it has it on the source). ' +
        'Create the roles and grant the privileges on the target as on the source (checked: f_app, f_report, f_ops on the 3 selected table(s), 2 sequence(s) and 1 schema(s))',
    );
  });

  it('counts the privileges a freeze of the target took away as held, since its thaw gives them back', async () => {
    // Prepare: the target frozen by revoke (a rollback left it so), its plan stored
    const pair = await servers.freshPair();
    await pair.bothSql(SHOP);
    await pair.sourceSql(grantsOnSource('t_app', 't_report'));
    await pair.targetSql(`${grantsOnSource('t_app', 't_report')} revoke insert, update, delete on shop.orders from t_app;`);
    const frozen: FreezeRecord = {
      side: 'target',
      status: 'frozen',
      freezeId: 'f-1',
      method: 'revoke',
      roles: ['t_app', 't_report'],
      frozenAt: 0,
      runId: 'rollback-1',
      owner: 'test',
      plan: { grants: ['INSERT', 'UPDATE', 'DELETE'].map((privilege) => ({ schema: 'shop', table: 'orders', role: 't_app', privilege, grantable: false })) },
    };

    // Act
    const withPlan = await rolesReady(migrationFor(['t_app', 't_report']), pair, { target: frozen });
    const thawed = await rolesReady(migrationFor(['t_app', 't_report']), pair, { target: { ...frozen, status: 'thawed' } });

    // Assess
    expect(withPlan).toMatchObject({ passed: true, message: expect.stringContaining('privileges a freeze took away count as held, since its thaw gives them back') });
    expect(thawed).toMatchObject({ passed: false, message: expect.stringContaining('role t_app lacks INSERT, UPDATE, DELETE on table shop.orders on the target') });
  });

  it('fails, naming it, when freeze.roles names a role the source does not have', async () => {
    const pair = await servers.freshPair();
    await pair.bothSql(SHOP);

    const r = await rolesReady(migrationFor(['nobody_here']), pair);

    expect(r).toEqual({ passed: false, message: 'freeze.roles: role "nobody_here" does not exist on the source database.' });
  });
});
