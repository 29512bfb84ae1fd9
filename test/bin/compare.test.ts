import { beforeAll, describe, expect, it } from 'vitest';
import { run, type CompareOptions } from '../../bin/cli/compare-command';
import { ferry, ferryInProcess, runCommand } from '../helpers/cli';
import { usePostgresPair, type DatabasePair } from '../helpers/database-pair';

/** `ferry compare` in-process. */
const compare = (options: CompareOptions) => runCommand(run, options);

describe('ferry compare', () => {
  const servers = usePostgresPair();
  let equal: DatabasePair;
  let different: DatabasePair;

  beforeAll(async () => {
    equal = await servers.freshPair();
    await equal.bothSql(`create table t (id int primary key, v text); insert into t select i, 'v' from generate_series(1, 100) i`);
    different = await servers.freshPair();
    await different.bothSql(`create table orders (id bigint primary key, total numeric); insert into orders select i, i from generate_series(1, 300) i;
      create table skus (code text primary key)`);
    await different.targetSql(`delete from orders where id = 3; insert into orders values (301, 1); update orders set total = 0 where id = 150;
      alter table orders add column note text`);
  });

  it('exits 0 and says equal when both databases hold the same schema and rows', async () => {
    const { code, stdout } = await compare({ source: equal.sourceUrl, target: equal.targetUrl });
    expect(code).toBe(0);
    expect(stdout).toContain('Schema: equal');
    expect(stdout).toMatch(/ok public\.t\s+100 rows\s+equal/);
    expect(stdout).toContain('Result: equal');
  });

  it('exits 1 and prints each difference readably (end to end: the binary)', async () => {
    const { code, stdout } = await ferry('compare', '--source', different.sourceUrl, '--target', different.targetUrl);
    expect(code).toBe(1);
    expect(stdout).toMatch(/column-extra\s+public\.orders\.note/);
    expect(stdout).toMatch(/X public\.orders\s+300 rows\s+DIFFERENT: 1 missing, 1 extra, 1 changed/);
    expect(stdout).toContain('missing  {"id":3}');
    expect(stdout).toContain('extra    {"id":301}');
    expect(stdout).toContain('changed  {"id":150}  columns: total');
    expect(stdout).toContain('Result: DIFFERENT');
  });

  it('shows its progress on a terminal in one line rewritten in place, and clears it when done', async () => {
    const { code, stdout, stderr } = await runCommand(run, { source: equal.sourceUrl, target: equal.targetUrl }, { terminalColumns: 80 });
    expect(code).toBe(0);
    expect(stdout).toContain('Result: equal');
    expect(stderr.startsWith('\r\x1b[2Kcomparing: ')).toBe(true);
    expect(stderr.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('prints one JSON document with --json, in the documented shape', async () => {
    const { code, stdout } = await compare({ source: different.sourceUrl, target: different.targetUrl, json: true, maxKeys: 1 });
    expect(code).toBe(1);
    const doc = JSON.parse(stdout);
    expect(Object.keys(doc)).toEqual(['schema', 'data', 'durationMs']);
    expect(doc.schema.differences).toContainEqual({ kind: 'column-extra', object: 'public.orders.note', source: null, target: expect.anything(), severity: 'warning' });
    const orders = doc.data.tables.find((t: { table: string }) => t.table === 'public.orders');
    expect(orders).toMatchObject({ table: 'public.orders', rows: 300, status: 'different', missing: [{ id: 3 }], extra: [{ id: 301 }], changed: [{ key: { id: 150 }, columns: ['total'] }], missingTotal: 1 });
  });

  it('compares only what is asked: --tables, --schema-only and --data-only', async () => {
    const tables = JSON.parse((await compare({ source: different.sourceUrl, target: different.targetUrl, tables: ['skus'], json: true })).stdout);
    expect(tables.data.tables.map((t: { table: string }) => t.table)).toEqual(['public.skus']);
    const schemaOnly = JSON.parse((await compare({ source: different.sourceUrl, target: different.targetUrl, schemaOnly: true, json: true })).stdout);
    expect(Object.keys(schemaOnly)).toEqual(['schema', 'durationMs']);
    const dataOnly = await compare({ source: equal.sourceUrl, target: equal.targetUrl, dataOnly: true, json: true });
    expect(Object.keys(JSON.parse(dataOnly.stdout))).toEqual(['data', 'durationMs']);
    expect(dataOnly.code).toBe(0);
  });

  it('exits 2 and names the database and the cause when it cannot connect', async () => {
    const unreachable = equal.targetUrl.replace(/:(\d+)\//, ':1/');
    const { code, stderr } = await compare({ source: equal.sourceUrl, target: unreachable });
    expect(code).toBe(2);
    expect(stderr).toMatch(/Could not connect to the target database \(127\.0\.0\.1:1\/t1\): connection refused/);
  });

  it('exits 2 on bad usage, naming the option', async () => {
    const notUrl = await compare({ source: 'orders-db', target: equal.targetUrl });
    expect(notUrl.code).toBe(2);
    expect(notUrl.stderr).toContain('--source: not a URL');
    const both = await ferryInProcess(['compare', '--source', equal.sourceUrl, '--target', equal.targetUrl, '--schema-only', '--data-only']);
    expect(both.code).toBe(2);
    const pattern = await compare({ source: equal.sourceUrl, target: equal.targetUrl, tables: ['a.b.c'] });
    expect(pattern.code).toBe(2);
    expect(pattern.stderr).toContain("table pattern 'a.b.c' must be 'schema.table'");
  });
});
