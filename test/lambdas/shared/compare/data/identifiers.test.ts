import { beforeAll, describe, expect, it } from 'vitest';
import { compareData } from '../../../../../lambdas/shared/compare/data/compare';
import { usePostgresPair, type DatabasePair } from '../../../../helpers/database-pair';

/** Names that need every kind of quoting: quotes, spaces, upper case, unicode, SQL. */
const SCHEMA = 'Sales "EU"';
const TABLE = `Orders; drop table victim; --`;
const KEY = 'Order "Nr"';
const COLUMN = 'Größe $';

describe('identifiers in the data comparison', () => {
  const servers = usePostgresPair();
  let pair: DatabasePair;
  const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

  beforeAll(async () => {
    pair = await servers.freshPair();
    await pair.bothSql(`create table victim (id int primary key);
      create schema ${q(SCHEMA)};
      create table ${q(SCHEMA)}.${q(TABLE)} (${q(KEY)} text primary key, ${q(COLUMN)} int);
      insert into ${q(SCHEMA)}.${q(TABLE)} select 'k''' || i, i from generate_series(1, 500) i`);
    await pair.targetSql(`update ${q(SCHEMA)}.${q(TABLE)} set ${q(COLUMN)} = -1 where ${q(KEY)} = 'k''42'`);
  });

  it('compares a table whose schema, table and column names need quoting, and names the changed row', async () => {
    const { tables } = await compareData(pair.source, pair.target, { segmentRows: 100, leafRows: 20 });
    const table = tables.find((t) => t.table === `${SCHEMA}.${TABLE}`);
    expect(table).toMatchObject({ status: 'different', changedTotal: 1, changed: [{ key: { [KEY]: "k'42" }, columns: [COLUMN] }] });
  });

  it('never runs SQL hidden in a table name or pattern', async () => {
    await compareData(pair.source, pair.target, {
      selection: { include: [`public.victim"; drop table victim; --`, `x'); drop table victim; --.*`] },
    });
    await compareData(pair.source, pair.target);
    const { rows } = await pair.sourceSql(`select count(*)::int as n from pg_tables where tablename = 'victim'`);
    expect(rows[0].n).toBe(1);
  });
});
