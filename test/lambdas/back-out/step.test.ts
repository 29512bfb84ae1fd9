import { describe, expect, it } from 'vitest';
import { BackOutUnsafeError } from '../../../lambdas/back-out/errors';
import { backOutStep } from '../../../lambdas/back-out/step';
import { drainStep } from '../../../lambdas/drain/step';
import { freezeStep } from '../../../lambdas/freeze/step';
import { reverseReplicationStep } from '../../../lambdas/reverse-replication/step';
import type { FreezeRecord } from '../../../lambdas/shared/checkpoints';
import type { StepRuntime } from '../../../lambdas/shared/runtime';
import { captureScene, type CaptureScene } from '../../helpers/capture-scene';
import { usePostgresPair } from '../../helpers/database-pair';
import { useDynalite } from '../../helpers/dynalite';

const OWNER = 'arn:aws:states:eu-west-1:123456789012:execution:Ferry-test-cutover:back-out';
const lease = () => ({ owner: OWNER, token: 1, expiresAt: Date.now() + 60_000 });

const APP_ROLE_SQL = `
  do $$ begin create role app login password 'app-secret'; exception when duplicate_object then null; end $$;
  grant select, insert, update, delete on all tables in schema public to app;`;

/**
 * Back-outs of cutovers that stopped at different points, on two real servers with native
 * replication (and, once the cutover prepared it, reverse replication) running.
 */
describe('back-out step', () => {
  const servers = usePostgresPair();
  const dynamo = useDynalite();
  let n = 0;

  async function scene(): Promise<CaptureScene> {
    const pair = await servers.freshPair();
    await pair.bothSql('create table items (id int primary key, note text)');
    await pair.bothSql(APP_ROLE_SQL);
    await pair.sourceSql(`insert into items select i, 'item ' || i from generate_series(1, 20) i`);
    const s = await captureScene(pair, dynamo, `back-out-${++n}`, { freeze: { roles: ['app'] } });
    await s.caughtUp('items');
    return s;
  }

  const freeze = (s: CaptureScene, side: 'source' | 'target') =>
    freezeStep({ action: 'freeze', migrationId: s.migrationId, runId: 'run-1', lease: lease(), side, bounded: side === 'source' }, s.runtime);

  /** The cutover up to the switch: target and source frozen, drained, reverse replication prepared. */
  async function cutOverUpToTheSwitch(s: CaptureScene): Promise<void> {
    await freeze(s, 'target');
    const frozen = await freeze(s, 'source');
    await drainStep({ migrationId: s.migrationId, runId: 'run-1', from: 'source', deadline: (frozen as { deadline: number }).deadline }, s.runtime);
    await reverseReplicationStep({ action: 'prepare', migrationId: s.migrationId }, s.runtime);
  }

  /** Then clients on the target, and the target thawed: it takes writes. */
  async function switchAndThawTheTarget(s: CaptureScene): Promise<void> {
    await (await s.runtime.switchFor(s.runtime.migration(s.migrationId))).pointTo('target');
    await freezeStep({ action: 'thaw', migrationId: s.migrationId, side: 'target' }, s.runtime);
  }

  const appCanWrite = async (s: CaptureScene, side: 'source' | 'target') => {
    const sql = `select has_table_privilege('app', 'items', 'INSERT') as ok`;
    return (await (side === 'source' ? s.pair.sourceSql(sql) : s.pair.targetSql(sql))).rows[0].ok as boolean;
  };
  const clientsOn = async (s: CaptureScene) => (await (await s.runtime.switchFor(s.runtime.migration(s.migrationId))).current()).side;
  const statusOf = async (s: CaptureScene, side: 'source' | 'target') => (await s.runtime.store.getFreeze(s.migrationId, side))?.status;
  const subscriptions = async (s: CaptureScene) => ({
    onSource: (await s.pair.sourceSql('select subname, subenabled from pg_subscription order by 1')).rows,
    onTarget: (await s.pair.targetSql('select subenabled from pg_subscription')).rows,
  });

  it('before reverse replication exists, thaws the source and keeps the clients there without touching the target', async () => {
    const s = await scene();
    try {
      // Prepare: the cutover froze the source and then failed (its final check, say)
      await freeze(s, 'source');

      // Act
      const output = await backOutStep({ migrationId: s.migrationId, runId: 'run-1', lease: lease() }, s.runtime);

      // Assess
      expect(output).toMatchObject({
        target: 'not needed: the clients never moved (no reverse replication)',
        drained: 'nothing to drain: no reverse replication',
        source: expect.stringMatching(/^Writes on the source thawed after \d+ ms\.$/),
        clients: expect.stringContaining('clients already use the source'),
        replication: expect.stringContaining('No reverse replication to remove; forward replication: '),
      });
      expect(await appCanWrite(s, 'source')).toBe(true);
      expect(await statusOf(s, 'source')).toBe('thawed');
      expect(await statusOf(s, 'target')).toBeUndefined();
      expect(await clientsOn(s)).toBe('source');
    } finally {
      await s.cleanUp();
    }
  });

  it('when the target was frozen throughout, needs no drain: thaws the source, removes the reverse replication and resumes forward', async () => {
    const s = await scene();
    try {
      // Prepare
      await cutOverUpToTheSwitch(s);

      // Act
      const output = await backOutStep({ migrationId: s.migrationId, runId: 'run-1', lease: lease() }, s.runtime);

      // Assess
      expect(output).toMatchObject({
        target: expect.stringContaining('frozen on the target'),
        drained: 'not needed: the target was frozen throughout',
        replication: expect.stringContaining('Reverse replication removed; forward replication: '),
      });
      expect(await appCanWrite(s, 'source')).toBe(true);
      expect(await appCanWrite(s, 'target')).toBe(false);
      expect(await clientsOn(s)).toBe('source');
      expect(await subscriptions(s)).toEqual({ onSource: [], onTarget: [{ subenabled: true }] });
    } finally {
      await s.cleanUp();
    }
  });

  it('when the target took writes, freezes it, brings those writes to the source, and only then moves the clients back', async () => {
    const s = await scene();
    try {
      // Prepare
      await cutOverUpToTheSwitch(s);
      await switchAndThawTheTarget(s);
      await s.pair.targetSql(`insert into items values (1001, 'written on the target'); update items set note = 'changed on the target' where id = 3`);

      // Act
      const output = await backOutStep({ migrationId: s.migrationId, runId: 'run-1', lease: lease() }, s.runtime);

      // Assess
      expect(output).toMatchObject({
        target: expect.stringContaining('frozen on the target'),
        drained: expect.stringMatching(/^writes made on the target reached the source \(\d+ ms\)$/),
        source: expect.stringContaining('Writes on the source thawed'),
        clients: expect.stringContaining('to the source'),
        replication: expect.stringContaining('Reverse replication removed'),
      });
      expect((await s.pair.sourceSql('select id, note from items where id in (3, 1001) order by id')).rows).toEqual([
        { id: 3, note: 'changed on the target' },
        { id: 1001, note: 'written on the target' },
      ]);
      expect(await appCanWrite(s, 'source')).toBe(true);
      expect(await appCanWrite(s, 'target')).toBe(false);
      expect(await clientsOn(s)).toBe('source');
    } finally {
      await s.cleanUp();
    }
  });

  it("refuses with BackOutUnsafeError when the target took writes that reverse replication does not bring back, leaving the clients on the target and the source frozen", async () => {
    const s = await scene();
    try {
      // Prepare: the reverse replication stops delivering after the target took a write
      await cutOverUpToTheSwitch(s);
      await switchAndThawTheTarget(s);
      const [reverse] = (await s.pair.sourceSql('select subname from pg_subscription')).rows as Array<{ subname: string }>;
      await s.pair.sourceSql(`alter subscription "${reverse!.subname}" disable`);
      await s.pair.targetSql(`insert into items values (2001, 'would be lost')`);
      // The back-out's drain waits 60 s: once the target is frozen, each look at the clock moves it on 30 s.
      let fast = false;
      let skew = 0;
      const store = s.runtime.store;
      const putFreeze = store.putFreeze.bind(store);
      store.putFreeze = async (migrationId: string, record: FreezeRecord) => {
        await putFreeze(migrationId, record);
        if (record.side === 'target' && record.status === 'frozen') fast = true;
      };
      const runtime: StepRuntime = { ...s.runtime, now: () => Date.now() + (fast ? (skew += 30_000) : 0) };

      // Act
      const error = await backOutStep({ migrationId: s.migrationId, runId: 'run-1', lease: lease() }, runtime).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(BackOutUnsafeError);
      expect(error).toMatchObject({ name: 'BackOutUnsafeError' });
      const message = (error as Error).message;
      expect(message).toMatch(/^The target was writable during this cutover and reverse replication did not bring its writes to the source within 60 s \(thresholds.backOutDrainSeconds; The cutover marker "run-1:back-out" did not reach the source database/);
      expect(message).toContain('Ferry does not move the clients back, which would lose those writes: the target stays frozen and the clients on it.');
      expect(message).toContain('Repair reverse replication, then start the rollback workflow; or thaw the target to continue on it.');
      expect(await clientsOn(s)).toBe('target');
      expect(await appCanWrite(s, 'target')).toBe(false);
      expect(await appCanWrite(s, 'source')).toBe(false);
      expect(await statusOf(s, 'source')).toBe('frozen');
      expect((await s.pair.sourceSql('select count(*)::int as n from items where id = 2001')).rows).toEqual([{ n: 0 }]);
      // The reverse replication is left for the operator to repair, not removed.
      expect((await subscriptions(s)).onSource).toEqual([{ subname: reverse!.subname, subenabled: false }]);
    } finally {
      await s.cleanUp();
    }
  });

  it('rejects bad input, naming each field', async () => {
    // Act
    const error = await backOutStep({ migrationId: '', runId: 'run-1' }, {} as never).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'InvalidInputError' });
    expect((error as unknown as { problems: string[] }).problems).toEqual(['migrationId: is required', expect.stringMatching(/^lease: /)]);
  });
});
