import { describe, expect, it } from 'vitest';
import { drainStep } from '../../../lambdas/drain/step';
import { finalCompareStep } from '../../../lambdas/final-compare/step';
import { METRICS } from '../../../lambdas/shared/catalog/metrics';
import { freezeStep } from '../../../lambdas/freeze/step';
import { FreezeExpiredError } from '../../../lambdas/shared/freeze/errors';
import { VerificationFailedError, VerificationUnavailableError } from '../../../lambdas/shared/verification/errors';
import { runVerification } from '../../../lambdas/shared/verification/run';
import { captureScene, OWNER, startCapture, type CaptureScene } from '../../helpers/capture-scene';
import { usePostgresPair } from '../../helpers/database-pair';
import { useDynalite } from '../../helpers/dynalite';

const APP_ROLE_SQL = `
  do $$ begin create role app login password 'app-secret'; exception when duplicate_object then null; end $$;
  grant select, insert, update, delete on all tables in schema public to app;`;

/**
 * The cutover's last check on two real servers with native replication streaming and change
 * capture started, as the cutover workflow reaches it: a live round verified what came before,
 * then the source was frozen and the marker drained.
 */
describe('final-compare step', () => {
  const servers = usePostgresPair();
  const dynamo = useDynalite();
  let n = 0;

  /** 500 items replicated, capture started, and a live verification round done (the last verified position). */
  async function scene(): Promise<CaptureScene> {
    const pair = await servers.freshPair();
    await pair.bothSql('create table items (id bigint primary key, price numeric(10,2) not null, note text)');
    await pair.bothSql(APP_ROLE_SQL);
    await pair.sourceSql(`insert into items select i, i * 1.5, 'item ' || i from generate_series(1, 500) i`);
    const s = await captureScene(pair, dynamo, `final-${++n}`, { freeze: { roles: ['app'] } });
    await s.caughtUp('items');
    await startCapture(s);
    const live = await runVerification(s.runtime, s.migrationId, { owner: OWNER, scheduled: false, waitMs: 5_000, deadline: Date.now() + 30_000 });
    expect(live).toMatchObject({ status: 'verified', differences: 0 });
    return s;
  }

  /** Freezes the source and drains it into the target, as the cutover does before its final check; returns the freeze's deadline. */
  async function freezeAndDrain(s: CaptureScene, runId: string): Promise<number> {
    const frozen = await freezeStep(
      { action: 'freeze', migrationId: s.migrationId, runId, lease: { owner: OWNER, token: 1, expiresAt: Date.now() + 60_000 }, side: 'source', bounded: true },
      s.runtime,
    );
    const deadline = (frozen as { deadline: number }).deadline;
    await drainStep({ migrationId: s.migrationId, runId, from: 'source', deadline }, s.runtime);
    return deadline;
  }

  it('with writes frozen and nothing changed since the last verified position, verifies no key and passes', async () => {
    const s = await scene();
    try {
      // Prepare
      const deadline = await freezeAndDrain(s, 'run-quiet');
      expect(await s.pair.sourceSql(`select has_table_privilege('app', 'items', 'UPDATE') as ok`)).toMatchObject({ rows: [{ ok: false }] });

      // Act
      const output = await finalCompareStep({ migrationId: s.migrationId, runId: 'run-quiet', deadline }, s.runtime);

      // Assess
      expect(output).toMatchObject({ mode: 'changes', keysVerified: 0, rowsCompared: 0, verifiedThrough: { source: expect.any(String), target: expect.any(String) } });
      const record = (await s.runtime.store.getVerification(s.migrationId))!;
      expect(record.unresolved).toEqual([]);
    } finally {
      await s.cleanUp();
    }
  });

  it('verifies exactly the keys written since the last verified position, whatever the table size, and passes', async () => {
    const s = await scene();
    try {
      // Prepare: 12 keys change on the source before the freeze, and replication carries them
      await s.pair.sourceSql(`update items set price = price + 1 where id <= 10; delete from items where id = 11; insert into items values (9000, 1, 'new')`);
      const deadline = await freezeAndDrain(s, 'run-changes');

      // Act
      const output = await finalCompareStep({ migrationId: s.migrationId, runId: 'run-changes', deadline }, s.runtime);

      // Assess
      expect(output).toMatchObject({ mode: 'changes', keysVerified: 12, rowsCompared: 12 });
      expect(output.changes.source).toBeGreaterThanOrEqual(12);
      // and the check's size and duration are published for the dashboard
      const dimensions = { migrationId: s.migrationId, direction: 'forward' };
      expect(s.runtime.metrics.recorded).toContainEqual({ name: METRICS.finalCheckRows.name, unit: 'Count', value: 12, dimensions });
      expect(s.runtime.metrics.recorded).toContainEqual({ name: METRICS.finalCheckSeconds.name, unit: 'Seconds', value: output.durationMs / 1000, dimensions });
    } finally {
      await s.cleanUp();
    }
  });

  it('names a row made different on the target only, with VerificationFailedError, and stores the report', async () => {
    const s = await scene();
    try {
      // Prepare
      await s.pair.targetSql(`update items set price = -999 where id = 7`);
      const deadline = await freezeAndDrain(s, 'run-different');

      // Act
      const error = await finalCompareStep({ migrationId: s.migrationId, runId: 'run-different', deadline }, s.runtime).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(VerificationFailedError);
      const message = (error as Error).message;
      expect(message).toContain(`With writes frozen and every write drained, 1 row(s) of migration "${s.migrationId}" differ between source and target:`);
      expect(message).toContain('- public.items key (7): columns price differ');
      expect(message).toContain('Nothing was switched: the cutover backs out');
      const report = await s.runtime.store.latestReport<{ frozen: boolean; differences: Array<{ table: string; key: string[] }> }>(s.migrationId, 'verification');
      expect(report?.report).toMatchObject({ frozen: true, differences: [expect.objectContaining({ table: 'public.items', key: ['7'], kind: 'changed' })] });
    } finally {
      await s.cleanUp();
    }
  });

  it('with full, compares every table whole: equal tables pass, and a difference fails the final check naming the table and what the frozen cutover does next', async () => {
    const s = await scene();
    try {
      // Prepare
      const deadline = await freezeAndDrain(s, 'run-full');

      // Act
      const equal = await finalCompareStep({ migrationId: s.migrationId, runId: 'run-full', deadline, full: true }, s.runtime);
      await s.pair.targetSql(`delete from items where id = 3`);
      const different = await finalCompareStep({ migrationId: s.migrationId, runId: 'run-full-2', deadline, full: true }, s.runtime).catch((e: unknown) => e);

      // Assess
      expect(equal).toMatchObject({ mode: 'full', tablesCompared: 1, rowsCompared: 500, keysVerified: 0 });
      // By name, as Step Functions matches it (the class's module is shared code that may move).
      expect(different).toMatchObject({ name: 'FinalComparisonFailedError', failures: ['public.items: 1 missing, 0 extra, 0 changed on the target'] });
      const message = (different as Error).message;
      expect(message).toMatch(/^With writes frozen and every write drained, the whole comparison of migration "[^"]+" found 1 table that differs between source and target:\n- public\.items: 1 missing/);
      expect(message).toContain('Nothing was switched: the cutover backs out (the source is thawed, the clients stay on it, the migration returns to "ready").');
      expect(message).not.toContain('Replication keeps running');
    } finally {
      await s.cleanUp();
    }
  });

  it('past the freeze deadline throws FreezeExpiredError; without a change capture, VerificationUnavailableError that says how to go on', async () => {
    const s = await scene();
    try {
      // Act
      const late = await finalCompareStep({ migrationId: s.migrationId, runId: 'run-late', deadline: Date.now() - 1 }, s.runtime).catch((e: unknown) => e);
      const noCapture = await finalCompareStep(
        { migrationId: s.migrationId, runId: 'run-none', deadline: Date.now() + 20_000 },
        { ...s.runtime, store: await dynamo.newStore() },
      ).catch((e: unknown) => e);

      // Assess
      expect(late).toBeInstanceOf(FreezeExpiredError);
      expect(late).toMatchObject({ message: expect.stringContaining('before the final comparison') });
      expect(noCapture).toBeInstanceOf(VerificationUnavailableError);
      expect(noCapture).toMatchObject({
        message: expect.stringContaining(`Migration "${s.migrationId}" has no usable change capture (none)`),
      });
      expect((noCapture as Error).message).toContain('"fullComparison": true');
    } finally {
      await s.cleanUp();
    }
  });

  it('rejects bad input, naming each field', async () => {
    // Act
    const error = await finalCompareStep({ migrationId: 'final-1', runId: 'run-bad', deadline: -5, direction: 'sideways' }, {} as never).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'InvalidInputError' });
    expect((error as unknown as { problems: string[] }).problems).toEqual([expect.stringMatching(/^deadline: /), expect.stringMatching(/^direction: /)]);
  });
});
