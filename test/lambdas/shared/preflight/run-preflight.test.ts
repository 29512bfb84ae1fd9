import { describe, expect, it } from 'vitest';
import type { PreflightCheck, PreflightContext } from '../../../../lambdas/shared/preflight/check';
import { connectivity } from '../../../../lambdas/shared/preflight/checks/connectivity';
import { CHECK_IDS, PREFLIGHT_CHECKS } from '../../../../lambdas/shared/preflight/checks/index';
import {
  assertPreflightPassed,
  OBJECTS_KEPT,
  PreflightFailedError,
  runPreflight,
  UnknownCheckError,
} from '../../../../lambdas/shared/preflight/run-preflight';
import type { Database } from '../../../../lambdas/shared/pg/connection';
import { findFreePort } from '../../../../local/postgres';
import { usePostgresPair } from '../../../helpers/database-pair';
import { contextOf, useDatabases } from './helpers';

/** A database that answers the connectivity probe and nothing else (the fake checks below do not query). */
function answering(label: string): Database {
  return { label, query: async () => [{ version: '17.2', user: 'ferry', database: 'orders' }] } as unknown as Database;
}

const fakeContext: PreflightContext = { source: answering('source database'), target: answering('target database'), engine: 'native', selection: { include: ['*.*'] } };

function check(id: string, outcome: Partial<Awaited<ReturnType<PreflightCheck['run']>>> | Error, extra: Partial<PreflightCheck> = {}): PreflightCheck & { calls: number } {
  const c = {
    id,
    title: `the ${id} check`,
    databases: ['source'] as const,
    calls: 0,
    async run() {
      c.calls++;
      if (outcome instanceof Error) throw outcome;
      return { severity: 'ok' as const, message: `${id} is fine`, objects: [], ...outcome };
    },
    ...extra,
  };
  return c;
}

describe('runPreflight', () => {
  const blocker = () => check('replica-identity', { severity: 'error', message: 'public.clicks has no primary key', objects: ['public.clicks'] });

  it('blocks on an error that is not waived, and the failure names the check and how to waive it', async () => {
    const checks = [connectivity, blocker(), check('sequences', { severity: 'warning', message: 'synced at cutover' })];

    const report = await runPreflight(fakeContext, { checks });

    expect(report).toMatchObject({ engine: 'native', passed: false, blocking: ['replica-identity'], waived: [], waivers: [], counts: { error: 1, warning: 1, info: 0, ok: 1 } });
    expect(report.checks.map((c) => [c.id, c.severity])).toEqual([['connectivity', 'ok'], ['replica-identity', 'error'], ['sequences', 'warning']]);
    expect(() => assertPreflightPassed(report)).toThrow(PreflightFailedError);
    try {
      assertPreflightPassed(report);
    } catch (error) {
      expect(error).toMatchObject({ name: 'PreflightFailedError', blocking: ['replica-identity'] });
      expect((error as Error).message).toBe(
        'Preflight found 1 blocking problem; the migration was not started.\n' +
          '- replica-identity: public.clicks has no primary key\n' +
          'Fix them and start again (the preflight report has every check). To accept a problem and start anyway, waive its check by name in the workflow input, e.g. "waive": ["replica-identity"]; the waiver is recorded in the report.',
      );
    }
  });

  it('lets a waived error through and records the waiver, and every requested waiver', async () => {
    const checks = [connectivity, blocker(), check('sequences', {})];

    const report = await runPreflight(fakeContext, { checks, waive: ['replica-identity', 'sequences'] });

    expect(report).toMatchObject({ passed: true, blocking: [], waived: ['replica-identity'], waivers: ['replica-identity', 'sequences'] });
    expect(report.checks.find((c) => c.id === 'replica-identity')).toMatchObject({ severity: 'error', waived: true });
    expect(report.checks.find((c) => c.id === 'sequences')).not.toHaveProperty('waived');
    expect(() => assertPreflightPassed(report)).not.toThrow();
  });

  it('refuses an unknown check id in waive before running anything, listing the valid ids', async () => {
    const spy = check('sequences', {});

    await expect(runPreflight(fakeContext, { checks: [spy], waive: ['sequences', 'replica-identiy'] })).rejects.toThrow(
      new UnknownCheckError(['replica-identiy'], ['sequences']),
    );
    await expect(runPreflight(fakeContext, { waive: ['replica-identiy'] })).rejects.toThrow(
      `Unknown preflight check in "waive": "replica-identiy". Nothing was run. Valid check ids: ${CHECK_IDS.join(', ')}.`,
    );
    expect(spy.calls).toBe(0);
  });

  it('turns an exception inside one check into an error result for that check, and runs the others', async () => {
    const after = check('target-empty', {});
    const checks = [check('schema', new Error('relation "x" does not exist')), after];

    const report = await runPreflight(fakeContext, { checks });

    expect(report.checks[0]).toMatchObject({
      id: 'schema',
      title: 'the schema check',
      severity: 'error',
      message: 'The check could not complete: relation "x" does not exist. Fix the cause and run preflight again; waive "schema" only if you accept not knowing its answer.',
      objects: [],
    });
    expect(report.checks[1]).toMatchObject({ id: 'target-empty', severity: 'ok' });
    expect(report.blocking).toEqual(['schema']);
  });

  it('runs only the checks that apply to the engine', async () => {
    const checks = [check('lob-size', {}, { engines: ['dms'] }), check('subscription-workers', {}, { engines: ['native'] }), check('schema', {})];

    const native = await runPreflight(fakeContext, { checks });
    const dms = await runPreflight({ ...fakeContext, engine: 'dms' }, { checks, waive: ['subscription-workers'] });

    expect(native.checks.map((c) => c.id)).toEqual(['subscription-workers', 'schema']);
    expect(dms.checks.map((c) => c.id)).toEqual(['lob-size', 'schema']);
    expect(dms.waivers).toEqual(['subscription-workers']);
  });

  it('keeps the first objects of a long list and the total', async () => {
    const objects = Array.from({ length: OBJECTS_KEPT + 5 }, (_, i) => `public.t${i}`);

    const report = await runPreflight(fakeContext, { checks: [check('replica-identity', { severity: 'error', objects })] });

    expect(report.checks[0]!.objects).toHaveLength(OBJECTS_KEPT);
    expect(report.checks[0]!.objectCount).toBe(OBJECTS_KEPT + 5);
  });
});

describe('runPreflight against real databases', () => {
  const servers = usePostgresPair();
  const open = useDatabases();

  it('reports checks that need an unreachable database as not run, runs the others, and blocks on connectivity', async () => {
    const pair = await servers.freshPair();
    await pair.sourceSql('create table orders (id int primary key)');
    const down = open(`postgres://postgres:x@127.0.0.1:${await findFreePort()}/orders`, 'target database (127.0.0.1/orders)');

    const report = await runPreflight(contextOf({ source: pair.source, target: down }));

    const byId = new Map(report.checks.map((c) => [c.id, c]));
    expect(report.blocking).toEqual(['connectivity']);
    expect(byId.get('connectivity')).toMatchObject({ severity: 'error', objects: ['target'] });
    expect(byId.get('target-empty')).toMatchObject({
      severity: 'info',
      notRun: true,
      message: 'Not run: the target database could not be reached (see the connectivity check). Run preflight again once it is reachable.',
    });
    expect(byId.get('replica-identity')).toMatchObject({ severity: 'ok' });
    expect(byId.get('replica-identity')).not.toHaveProperty('notRun');
  });

  it('passes on a well-prepared pair with every check of each engine, in registry order', async () => {
    const pair = await servers.freshPair();
    await pair.bothSql('create table orders (id bigint generated always as identity primary key, note text)');
    await pair.sourceSql("insert into orders (note) values ('a'), ('b')");

    const native = await runPreflight(contextOf(pair));
    const dms = await runPreflight(contextOf(pair, { engine: 'dms' }));

    const nativeIds = PREFLIGHT_CHECKS.filter((c) => c.id !== 'lob-size').map((c) => c.id);
    const dmsIds = PREFLIGHT_CHECKS.filter((c) => c.id !== 'subscription-workers').map((c) => c.id);
    expect(native.checks.map((c) => c.id)).toEqual(nativeIds);
    expect(dms.checks.map((c) => c.id)).toEqual(dmsIds);
    for (const report of [native, dms]) {
      expect(report.checks.filter((c) => c.severity === 'error')).toEqual([]);
      expect(report.passed).toBe(true);
      // Unencrypted loopback connections, an unlimited max_slot_wal_keep_size, local servers that are not RDS (no backups to check) and an identity column: warnings only.
      expect(report.checks.filter((c) => c.severity === 'warning').map((c) => c.id)).toEqual(['ssl', 'max-slot-wal-keep-size', 'backups', 'sequences']);
    }
  });
});
