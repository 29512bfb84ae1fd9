import type { MigrationConfigInput } from '../../lambdas/shared/migration-config';
import type { RunWorkflowOptions } from '../../local/workflow-runner';
import { MemorySwitch } from '../../lambdas/shared/switch/switch';
import { auditWrites, ContinuousWriter, WRITES_TABLE_SQL } from '../../local/continuous-writer';
import type { DatabasePair } from '../helpers/database-pair';
import type { DynaliteFixture } from '../helpers/dynalite';
import { migrateHarness, type MigrateHarness } from './migrate.fixture';

/**
 * A migration that the migrate workflow has brought to `ready`, with an application role `app`
 * on both servers and a client writing through a switch the whole time.
 */
export interface CutoverScene {
  readonly m: MigrateHarness;
  readonly pair: DatabasePair;
  readonly writer: ContinuousWriter;
  readonly clients: MemorySwitch;
  /** Rows of `writes` on one side. */
  rows(side: 'source' | 'target'): Promise<Array<{ id: string }>>;
  /** Committed writes missing on, or duplicated on, `side`. */
  audit(side: 'source' | 'target'): Promise<{ lost: string[]; duplicated: string[] }>;
  /** Can `app` write on `side` right now? */
  appCanWrite(side: 'source' | 'target'): Promise<boolean>;
  close(): Promise<void>;
}

const APP = { user: 'app', password: 'app-secret' };

/** Idempotent: roles are per server, and the servers are shared by the file's tests. */
const APP_ROLE_SQL = `
  do $$ begin create role app login password '${APP.password}'; exception when duplicate_object then null; end $$;
  grant usage on schema public to app;
  grant select, insert, update, delete on all tables in schema public to app;
  grant usage, select on all sequences in schema public to app;`;

const SCHEMA = `
  ${WRITES_TABLE_SQL};
  create table accounts (id bigint generated always as identity primary key, name text not null, balance numeric(12,2) not null);
  create table ledger (id bigserial primary key, account_id bigint references accounts, amount numeric(12,2), note jsonb);
  create index ledger_account_idx on ledger (account_id);`;

export async function cutoverScene(
  pair: DatabasePair,
  dynamo: DynaliteFixture,
  migrationId: string,
  freeze: { readonly method?: 'revoke' | 'read-only'; readonly openTransactions?: 'terminate' | 'wait' } = {},
  extra: { readonly fullLoad?: MigrationConfigInput['fullLoad']; readonly ledgerRows?: number; readonly duringMigrate?: RunWorkflowOptions['onTask'] } = {},
): Promise<CutoverScene> {
  await pair.bothSql(SCHEMA);
  await pair.bothSql(APP_ROLE_SQL);
  await pair.sourceSql(`
    insert into accounts (name, balance) select 'account ' || i, i * 10 from generate_series(1, 300) i;
    insert into ledger (account_id, amount, note) select 1 + i % 300, i, jsonb_build_object('i', i) from generate_series(1, ${extra.ledgerRows ?? 2000}) i;`);
  const source = new URL(pair.sourceUrl);
  const target = new URL(pair.targetUrl);
  const endpoint = (u: URL) => ({ host: u.hostname, port: Number(u.port), database: decodeURIComponent(u.pathname.slice(1)) });
  const clients = new MemorySwitch({ source: endpoint(source), target: endpoint(target) });
  const m = await migrateHarness(pair, dynamo, migrationId, {
    config: {
      freeze: { roles: ['app'], ...freeze },
      thresholds: { maxWriteFreezeSeconds: 20, maxLagSecondsForCutover: 5, observationMinutes: 60 },
      ...(extra.fullLoad ? { fullLoad: extra.fullLoad } : {}),
    },
    switches: { [migrationId]: clients },
  });
  const writer = new ContinuousWriter(() => clients.endpoint(), APP, migrationId);
  writer.start();
  await writer.committedMore(20);
  const migrated = await m.run({ settleMs: 200 }, extra.duringMigrate ? { onTask: extra.duringMigrate } : {});
  if (migrated.status !== 'SUCCEEDED') {
    await writer.stop();
    throw new Error(`the migrate workflow did not reach ready: ${JSON.stringify(migrated)}`);
  }
  const rows = async (side: 'source' | 'target') =>
    (await (side === 'source' ? pair.sourceSql('select id from writes') : pair.targetSql('select id from writes'))).rows as Array<{ id: string }>;
  return {
    m,
    pair,
    writer,
    clients,
    rows,
    audit: async (side) => auditWrites(writer.committed(), await rows(side)),
    async appCanWrite(side) {
      const sql = `select has_table_privilege('app', 'writes', 'INSERT') as ok`;
      const r = await (side === 'source' ? pair.sourceSql(sql) : pair.targetSql(sql));
      return r.rows[0].ok === true;
    },
    async close() {
      await writer.stop();
      await m.cleanUp();
    },
  };
}

/** Polls until `check` is true (replication is asynchronous). */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`not true within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
