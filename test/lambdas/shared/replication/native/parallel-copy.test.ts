import { describe, expect, it } from 'vitest';
import { InProcessCopyRunner } from '../../../../../local/copy-runner';
import type { NativeEngine } from '../../../../../lambdas/shared/replication/native/engine';
import { NOTHING, replicationObjects, useNativePair, waitForSameRows, waitForState } from './native.fixture';

const SCHEMA = `
  create table big (id bigint primary key, note text not null, amount int check (amount >= 0));
  create table small (id int primary key, name text);`;

/** The engine's parallel copy with the job run in this process (local/copy-runner.ts), as the local runner runs it. */
describe('native replication: a parallel copy job', () => {
  const servers = useNativePair();

  /** An engine that copies every table above 64 kB in 4 ranges with 2 workers, its job run by `runner`. */
  async function parallelPair() {
    // The runner runs the engine's job, and the engine is made with the runner: tied up once both exist.
    const made: { engine?: NativeEngine } = {};
    const runner = new InProcessCopyRunner((_id, signal) => made.engine!.runCopyJob(signal));
    const pair = await servers.fresh({ parallelCopy: { migrationId: 'par', runner, parallelTableBytes: 64 * 1024, rangesPerTable: 4, workers: 2 } });
    made.engine = pair.engine;
    return { pair, runner };
  }

  it('reports a job that failed, leaves no slot and empty tables, and copies everything on the next start', async () => {
    const { pair, runner } = await parallelPair();
    await pair.bothSql(SCHEMA);
    await pair.sourceSql(`
      insert into big select i, repeat('x', 40) || i, i % 1000 from generate_series(1, 20000) i;
      insert into small values (1, 'one'), (2, 'two');`);
    // A row the target refuses: the copy of its range fails.
    await pair.targetSql(`alter table big add constraint not_seven check (id <> 7777)`);

    const started = await pair.engine.start();
    await runner.idle();
    const failed = await pair.engine.status();
    const afterFailure = { objects: await replicationObjects(pair.sourceSql), rows: (await pair.targetSql(`select (select count(*) from big)::int as big, (select count(*) from small)::int as small`)).rows };
    await pair.targetSql(`alter table big drop constraint not_seven`);
    const again = await pair.engine.start();
    await runner.idle();
    await waitForState(pair.engine, 'cdc');
    await pair.sourceSql(`update big set note = 'changed' where id % 500 = 0; delete from small where id = 2`);

    expect(started).toMatchObject({ action: 'started', message: expect.stringMatching(/2 copy worker\(s\) under one snapshot, 1 of them in 4 page ranges each \(public\.big\)/) });
    expect(failed).toMatchObject({ state: 'failed', cause: expect.stringMatching(/public\.big/) });
    expect(afterFailure).toEqual({ objects: { ...NOTHING, publications: [expect.any(String)] }, rows: [{ big: 0, small: 0 }] });
    expect(again).toMatchObject({ action: 'started', message: expect.stringMatching(/^The parallel copy that stopped before it finished was emptied; copying/) });
    await waitForSameRows(pair, 'big');
    await waitForSameRows(pair, 'small');
    expect((await pair.targetSql(`select to_regclass('ferry.copy_job') as job`)).rows).toEqual([{ job: null }]);
  });

  it('calls a job nothing runs starting for its first minutes, then failed, and drops the slot it left', async () => {
    // A runner that lists nothing: a task that never came up, or was killed without a word.
    const silent = { start: async () => undefined, running: async () => false, stop: async () => undefined };
    const pair = await servers.fresh({ parallelCopy: { migrationId: 'par', runner: silent, parallelTableBytes: 64 * 1024, rangesPerTable: 4, workers: 2 } });
    await pair.bothSql(SCHEMA);
    await pair.sourceSql(`insert into big select i, repeat('z', 100), 1 from generate_series(1, 5000) i`);

    await pair.engine.start();
    const fresh = await pair.engine.status();
    // As if its task had died ten minutes ago, after it had made its slot.
    await pair.targetSql(`update ferry.copy_job set started_at = now() - interval '10 minutes'`);
    await pair.sourceSql(`select pg_create_logical_replication_slot('${pair.name}', 'pgoutput')`);
    const gone = await pair.engine.status();

    expect(fresh).toMatchObject({ state: 'starting' });
    expect(gone).toMatchObject({ state: 'failed', cause: expect.stringMatching(/stopped before it finished/) });
    expect((await replicationObjects(pair.sourceSql)).slots).toEqual([]);
  });

  it('stops a running job on stop(), leaving neither slot nor job behind', async () => {
    const { pair, runner } = await parallelPair();
    await pair.bothSql(SCHEMA);
    await pair.sourceSql(`insert into big select i, repeat('y', 200), 1 from generate_series(1, 200000) i`);

    await pair.engine.start();
    const running = await runner.running('par');
    const stopped = await pair.engine.stop();
    await runner.idle();

    expect(running).toBe(true);
    expect(stopped.message).toMatch(/the parallel copy/);
    expect(await replicationObjects(pair.sourceSql)).toEqual(NOTHING);
    expect((await pair.targetSql(`select to_regclass('ferry.copy_job') as job, (select count(*) from big)::int as rows`)).rows).toEqual([{ job: null, rows: 0 }]);
  });
});
