import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as runDrift, type DriftCommandOptions } from '../../bin/cli/drift-command';
import { run as runSnapshot, type SnapshotCommandOptions } from '../../bin/cli/snapshot-command';
import { runCommand } from '../helpers/cli';
import { usePostgresPair, type DatabasePair } from '../helpers/database-pair';

const password = (url: string) => decodeURIComponent(new URL(url).password);

/** `ferry snapshot <url>` and `ferry drift` in-process. */
const takeSnapshot = (url: string, options: Omit<SnapshotCommandOptions, 'url'> = {}) => runCommand(runSnapshot, { ...options, url });
const drift = (options: DriftCommandOptions) => runCommand(runDrift, options);

describe('ferry snapshot and ferry drift', () => {
  const servers = usePostgresPair();
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-drift-'));
  let same: DatabasePair;
  let drifted: DatabasePair;
  let rows: DatabasePair;

  beforeAll(async () => {
    same = await servers.freshPair();
    await same.bothSql(`create table orders (id bigint primary key, total numeric(12,2) not null, note text);
      create index orders_total_idx on orders (total); create table skus (code text primary key)`);
    drifted = await servers.freshPair();
    await drifted.bothSql(`create table orders (id bigint primary key, total numeric(12,2) not null, note text)`);
    await drifted.targetSql(`alter table orders drop column note; alter table orders add constraint total_positive check (total > 0)`);
    rows = await servers.freshPair();
    await rows.bothSql(`create table orders (id bigint primary key, total numeric); insert into orders select i, i from generate_series(1, 300) i`);
    await rows.targetSql(`delete from orders where id = 3; update orders set total = 0 where id = 150`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function snapshotTo(file: string, url: string, options: Omit<SnapshotCommandOptions, 'url'> = {}): Promise<string> {
    const { code, stdout, stderr } = await takeSnapshot(url, options);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const p = path.join(dir, file);
    writeFileSync(p, stdout);
    return p;
  }

  describe('snapshot', () => {
    it('prints the schema as one JSON document, limited by --tables', async () => {
      const all = await takeSnapshot(same.sourceUrl);
      const some = await takeSnapshot(same.sourceUrl, { tables: ['orders'] });

      expect(all.code).toBe(0);
      const snapshot = JSON.parse(all.stdout);
      expect(snapshot.formatVersion).toBe(1);
      expect(snapshot.tables.map((t: { name: string }) => t.name)).toEqual(['orders', 'skus']);
      expect(JSON.parse(some.stdout).tables.map((t: { name: string }) => t.name)).toEqual(['orders']);
      expect(JSON.parse(some.stdout).selection).toEqual({ include: ['*.orders'], exclude: [] });
    });

    it('writes the snapshot to a file with --output, and nothing on stdout', async () => {
      const file = path.join(dir, 'output.json');

      const { code, stdout } = await takeSnapshot(same.sourceUrl, { output: file });

      expect(code).toBe(0);
      expect(stdout).toBe('');
      expect(readFileSync(file, 'utf8')).toBe((await takeSnapshot(same.sourceUrl)).stdout);
    });

    it('exits 2 and names the database, without its password, when it cannot connect', async () => {
      const unreachable = same.sourceUrl.replace(/:(\d+)\//, ':1/');

      const { code, stdout, stderr } = await takeSnapshot(unreachable);

      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/Could not connect to the source database \(127\.0\.0\.1:1\/t\d+\): connection refused/);
      expect(stderr).not.toContain(password(unreachable));
    });

    it('exits 2 on a bad URL or a bad table pattern', async () => {
      const notUrl = await takeSnapshot('orders-db');
      const pattern = await takeSnapshot(same.sourceUrl, { tables: ['a.b.c'] });

      expect(notUrl.code).toBe(2);
      expect(notUrl.stderr).toContain('<postgres-url>: not a URL');
      expect(pattern.code).toBe(2);
      expect(pattern.stderr).toContain("table pattern 'a.b.c' must be 'schema.table'");
    });
  });

  describe('drift', () => {
    it('finds no drift between a snapshot and the database it was taken of', async () => {
      const file = await snapshotTo('same.json', same.sourceUrl);

      const { code, stdout } = await drift({ snapshot: file, target: same.sourceUrl });

      expect(code).toBe(0);
      expect(stdout).toBe('No drift.\n');
    });

    it('finds no drift between two databases with the same schema', async () => {
      const { code, stdout } = await drift({ source: same.sourceUrl, target: same.targetUrl });

      expect(code).toBe(0);
      expect(stdout).toBe('No drift.\n');
    });

    it('exits 1 and lists each difference under its table, saying which side has what', async () => {
      const { code, stdout, stderr } = await drift({ source: drifted.sourceUrl, target: drifted.targetUrl });

      expect(code).toBe(1);
      expect(stdout).toMatch(/^table public\.orders\n/);
      expect(stdout).toMatch(/\n {2}check-constraint-extra +constraint public\.orders\.total_positive: the source has nothing, the target has "CHECK \(total > \(0\)::numeric\)" +\[error\]\n/);
      expect(stdout).toMatch(/\n {2}column-missing +public\.orders\.note: the source has "note text", the target has nothing +\[error\]\n/);
      expect(stdout).toMatch(/\n2 differences: 2 errors, 0 warnings, 0 info\n$/);
      expect(`${stdout}${stderr}`).not.toContain(password(drifted.sourceUrl));
    });

    it('prints exactly {differences: [{kind, object, source, target, severity}]} with --json', async () => {
      const { code, stdout } = await drift({ source: drifted.sourceUrl, target: drifted.targetUrl, json: true });

      expect(code).toBe(1);
      expect(JSON.parse(stdout)).toEqual({
        differences: [
          { kind: 'check-constraint-extra', object: 'constraint public.orders.total_positive', source: null, target: 'CHECK (total > (0)::numeric)', severity: 'error' },
          { kind: 'column-missing', object: 'public.orders.note', source: 'note text', target: null, severity: 'error' },
        ],
      });
    });

    it('compares the rows too with --data full, naming the keys', async () => {
      const schemaOnly = await drift({ source: rows.sourceUrl, target: rows.targetUrl });
      const { code, stdout } = await drift({ source: rows.sourceUrl, target: rows.targetUrl, data: 'full' });

      expect(schemaOnly.code).toBe(0);
      expect(code).toBe(1);
      expect(stdout).toMatch(/^table public\.orders\n/);
      expect(stdout).toMatch(/data-rows-changed +table public\.orders: the source has 1 row, the target has 1 row +\[error\]\n +1 row with other values on the target: \{"id":150\} \(total\)\n/);
      expect(stdout).toMatch(/data-rows-missing +table public\.orders: the source has 1 row, the target has nothing +\[error\]\n +1 row of the source not on the target: \{"id":3\}\n/);
      expect(stdout).toContain('Data (full): 1 table(s), 300 rows compared');
      expect(stdout).toMatch(/\n2 differences: 2 errors, 0 warnings, 0 info\n$/);
    });

    it('calls the left side "snapshot" when comparing with one', async () => {
      const file = await snapshotTo('drifted-source.json', drifted.sourceUrl);

      const { code, stdout } = await drift({ snapshot: file, target: drifted.targetUrl });

      expect(code).toBe(1);
      expect(stdout).toMatch(/column-missing +public\.orders\.note: the snapshot has "note text", the target has nothing +\[error\]/);
      expect(stdout).not.toContain('the source has');
    });

    it('checks only the snapshot’s own tables when it was taken with --tables', async () => {
      const file = await snapshotTo('skus-only.json', same.sourceUrl, { tables: ['skus'] });

      const { code, stdout } = await drift({ snapshot: file, target: drifted.targetUrl });

      // drifted has no skus table, and its orders table is not in the snapshot's selection.
      expect(code).toBe(1);
      expect(stdout).toMatch(/table-missing +table public\.skus/);
      expect(stdout).not.toContain('public.orders');
    });

    it('exits 2 and names the options when both or neither of --source and --snapshot are given', async () => {
      const file = await snapshotTo('either.json', same.sourceUrl);

      const both = await drift({ source: same.sourceUrl, snapshot: file, target: same.targetUrl });
      const neither = await drift({ target: same.targetUrl });

      for (const run of [both, neither]) {
        expect(run.code).toBe(2);
        expect(run.stdout).toBe('');
        expect(run.stderr).toContain('drift: give exactly one of --source <postgres-url> (the live source database) or --snapshot <file>');
      }
    });

    it('exits 2 when --data asks for rows a snapshot does not hold', async () => {
      const file = await snapshotTo('rows.json', same.sourceUrl);

      const { code, stderr } = await drift({ snapshot: file, target: same.targetUrl, data: 'sample' });

      expect(code).toBe(2);
      expect(stderr).toContain('--data sample: needs --source; a schema snapshot holds no rows');
    });

    it('exits 2 and names the target, without its password, when it cannot connect', async () => {
      const unreachable = same.targetUrl.replace(/:(\d+)\//, ':1/');

      const live = await drift({ source: same.sourceUrl, target: unreachable });
      const stored = await drift({ snapshot: await snapshotTo('reach.json', same.sourceUrl), target: unreachable, json: true });

      for (const run of [live, stored]) {
        expect(run.code).toBe(2);
        expect(run.stdout).toBe('');
        expect(run.stderr).toMatch(/Could not connect to the target database \(127\.0\.0\.1:1\/t\d+\): connection refused/);
        expect(run.stderr).not.toContain(password(unreachable));
      }
    });

    it('exits 2 and names the file and the problem when the snapshot file is bad', async () => {
      const notJson = path.join(dir, 'not.json');
      writeFileSync(notJson, 'pg_dump output, not a snapshot');
      const notSnapshot = path.join(dir, 'config.json');
      writeFileSync(notSnapshot, JSON.stringify({ context: { environments: {} } }));
      const future = path.join(dir, 'future.json');
      writeFileSync(future, JSON.stringify({ formatVersion: 99 }));

      const cases: Array<[string, string]> = [
        [notJson, `ferry: --snapshot ${notJson}: not JSON (`],
        [notSnapshot, `ferry: --snapshot ${notSnapshot}: not a Ferry schema snapshot (it has no formatVersion)`],
        [future, `ferry: --snapshot ${future}: schema snapshot format 99 is not one this version of Ferry reads (it reads format 1)`],
        [path.join(dir, 'absent.json'), `ferry: --snapshot ${path.join(dir, 'absent.json')}: no such file`],
      ];

      for (const [file, message] of cases) {
        const { code, stdout, stderr } = await drift({ snapshot: file, target: same.targetUrl });
        expect(code).toBe(2);
        expect(stdout).toBe('');
        expect(stderr).toContain(message);
      }
    });
  });
});
