import { beforeAll, describe, expect, it } from 'vitest';
import { run, type PreflightOptions } from '../../bin/cli/preflight-command';
import { ferryInProcess, runCommand } from '../helpers/cli';
import { usePostgresPair, type DatabasePair } from '../helpers/database-pair';
import { findFreePort } from '../../local/postgres';

interface JsonCheck {
  id: string;
  severity: string;
  message: string;
  objects: string[];
}

/** `ferry preflight` in-process. */
const preflight = (options: PreflightOptions) => runCommand(run, options);

describe('ferry preflight', () => {
  const servers = usePostgresPair();
  let ready: DatabasePair;
  let keyless: DatabasePair;

  beforeAll(async () => {
    ready = await servers.freshPair();
    await ready.bothSql(`create table orders (id bigint primary key, total numeric)`);
    await ready.sourceSql(`insert into orders select i, i from generate_series(1, 50) i`);
    keyless = await servers.freshPair();
    await keyless.bothSql(`create table events (at timestamptz, payload jsonb)`);
  });

  it('exits 0 and says ready when nothing blocks the migration', async () => {
    const { code, stdout } = await preflight({ source: ready.sourceUrl, target: ready.targetUrl });

    expect(code).toBe(0);
    expect(stdout).toContain('Result: ready');
  });

  it('prints every check as {id, severity, message, objects} with --json', async () => {
    const { code, stdout } = await preflight({ source: ready.sourceUrl, target: ready.targetUrl, json: true });

    expect(code).toBe(0);
    const { checks } = JSON.parse(stdout) as { checks: JsonCheck[] };
    expect(checks.length).toBeGreaterThan(10);
    for (const check of checks) {
      expect(Object.keys(check).sort()).toEqual(['id', 'message', 'objects', 'severity']);
      expect(['error', 'warning', 'info', 'ok']).toContain(check.severity);
    }
    expect(checks.map((c) => c.id)).toEqual(expect.arrayContaining(['connectivity', 'logical-decoding', 'replica-identity', 'target-empty']));
  });

  it('exits 1 and names the table when a table has no primary key or replica identity', async () => {
    const { code, stdout } = await preflight({ source: keyless.sourceUrl, target: keyless.targetUrl, json: true });

    expect(code).toBe(1);
    const check = (JSON.parse(stdout) as { checks: JsonCheck[] }).checks.find((c) => c.id === 'replica-identity');
    expect(check).toMatchObject({ severity: 'error', objects: ['public.events'] });
  });

  it('exits 0 when the failing check is waived by name, and says it was waived', async () => {
    const { code, stdout } = await preflight({ source: keyless.sourceUrl, target: keyless.targetUrl, waive: ['replica-identity'] });

    expect(code).toBe(0);
    expect(stdout).toMatch(/replica-identity .*\(waived\)/);
    expect(stdout).toContain('Waived: replica-identity');
  });

  it('checks LOB sizes only for the DMS engine', async () => {
    const native = await preflight({ source: ready.sourceUrl, target: ready.targetUrl, json: true });
    const dms = await preflight({ source: ready.sourceUrl, target: ready.targetUrl, engine: 'dms', json: true });

    const ids = (out: string) => (JSON.parse(out) as { checks: JsonCheck[] }).checks.map((c) => c.id);
    expect(ids(native.stdout)).not.toContain('lob-size');
    expect(ids(dms.stdout)).toContain('lob-size');
  });

  it('exits 2 when a database cannot be reached, after saying which one', async () => {
    const port = await findFreePort();
    const { code, stdout } = await preflight({ source: ready.sourceUrl, target: `postgres://nobody:x@127.0.0.1:${port}/nothing`, json: true });

    expect(code).toBe(2);
    const check = (JSON.parse(stdout) as { checks: JsonCheck[] }).checks.find((c) => c.id === 'connectivity');
    expect(check?.severity).toBe('error');
    expect(check?.message).toMatch(/target/);
  });

  it('exits 2 naming the option when a waived check does not exist', async () => {
    const { code, stderr } = await preflight({ source: ready.sourceUrl, target: ready.targetUrl, waive: ['no-such-check'] });

    expect(code).toBe(2);
    expect(stderr).toMatch(/--waive: no check named 'no-such-check' \(checks: connectivity, /);
  });

  it("with --migration-id, counts the slots that migration already made as its own, not as needed again", async () => {
    await ready.sourceSql(`select pg_create_logical_replication_slot('ferry_capture_orders_source', 'test_decoding')`);
    try {
      const { code, stdout } = await preflight({ source: ready.sourceUrl, target: ready.targetUrl, migrationId: 'orders', json: true });

      expect(code).toBe(0);
      const check = (JSON.parse(stdout) as { checks: JsonCheck[] }).checks.find((c) => c.id === 'replication-slots');
      expect(check).toMatchObject({ severity: 'ok', objects: [] });
      expect(check?.message).toContain('ferry_capture_orders_source is there already from an earlier run of this migration');
    } finally {
      await ready.sourceSql(`select pg_drop_replication_slot('ferry_capture_orders_source')`);
    }
  });

  it('exits 2 naming the option when --migration-id is not a migration id', async () => {
    const { code, stderr } = await ferryInProcess(['preflight', '--source', ready.sourceUrl, '--target', ready.targetUrl, '--migration-id', 'Orders!']);

    expect(code).toBe(2);
    expect(stderr).toMatch(/--migration-id: must be 2-32 lower-case letters/);
  });

  it('exits 2 naming the option when the engine is unknown', async () => {
    const { code, stderr } = await ferryInProcess(['preflight', '--source', ready.sourceUrl, '--target', ready.targetUrl, '--engine', 'mysql']);

    expect(code).toBe(2);
    expect(stderr).toMatch(/--engine/);
  });
});
