import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainStep } from '../../../lambdas/drain/step';
import { MarkerTimeoutError } from '../../../lambdas/shared/cutover/marker';
import { FreezeExpiredError } from '../../../lambdas/shared/freeze/errors';
import { captureScene, type CaptureScene } from '../../helpers/capture-scene';
import { usePostgresPair } from '../../helpers/database-pair';
import { useDynalite } from '../../helpers/dynalite';

const MARKERS = `select id, direction from ferry.cutover_marker where id like $1 order by id`;

/**
 * Native logical replication streams from the source to the target the whole file (one scene: a
 * drain only adds a marker row of its own run); there is no reverse replication.
 */
describe('drain step', () => {
  const servers = usePostgresPair();
  const dynamo = useDynalite();
  let scene: CaptureScene;

  beforeAll(async () => {
    const pair = await servers.freshPair();
    await pair.bothSql('create table items (id int primary key, note text)');
    await pair.sourceSql(`insert into items select i, 'item ' || i from generate_series(1, 50) i`);
    scene = await captureScene(pair, dynamo, 'drain-1');
    await scene.caughtUp('items');
  });
  afterAll(async () => {
    await scene?.cleanUp();
  });

  it('writes a marker on the source and returns once replication has brought it to the target', async () => {
    // Prepare
    const { pair, runtime, migrationId } = scene;
    await pair.sourceSql(`update items set note = 'last write before the marker' where id = 7`);

    // Act
    const output = await drainStep({ migrationId, runId: 'run-ok', from: 'source', deadline: Date.now() + 20_000 }, runtime);

    // Assess: the marker arrived, and with it every write committed before it
    expect(output).toEqual({ markerId: 'run-ok:source', from: 'source', visibleAfterMs: expect.any(Number) });
    expect(output.visibleAfterMs).toBeGreaterThanOrEqual(0);
    expect((await pair.targetSql(MARKERS, ['run-ok:%'])).rows).toEqual([{ id: 'run-ok:source', direction: 'source->target' }]);
    expect((await pair.targetSql('select note from items where id = 7')).rows).toEqual([{ note: 'last write before the marker' }]);
  });

  it('is safe to repeat: a retried drain of the same run writes the marker again and still returns', async () => {
    // Prepare
    const { pair, runtime, migrationId } = scene;
    const event = { migrationId, runId: 'run-twice', from: 'source', deadline: Date.now() + 20_000 };
    await drainStep(event, runtime);

    // Act
    const again = await drainStep(event, runtime);

    // Assess
    expect(again).toMatchObject({ markerId: 'run-twice:source', from: 'source' });
    expect((await pair.sourceSql(MARKERS, ['run-twice:%'])).rows).toHaveLength(2);
  });

  it('throws MarkerTimeoutError at the deadline when nothing carries the marker (from the target, with no reverse replication)', async () => {
    // Prepare
    const { pair, runtime, migrationId } = scene;
    const deadline = Date.now() + 400;

    // Act
    const error = await drainStep({ migrationId, runId: 'run-stuck', from: 'target', deadline }, runtime).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(MarkerTimeoutError);
    expect(error).toMatchObject({
      name: 'MarkerTimeoutError',
      markerId: 'run-stuck:target',
      message: expect.stringMatching(/^The cutover marker "run-stuck:target" did not reach the source database \(127\.0\.0\.1:\d+\/\w+\) within \d+ ms/),
    });
    expect(Date.now()).toBeGreaterThanOrEqual(deadline);
    expect((await pair.targetSql(MARKERS, ['run-stuck:%'])).rows).toEqual([{ id: 'run-stuck:target', direction: 'target->source' }]);
    expect((await pair.sourceSql(MARKERS, ['run-stuck:%'])).rows).toEqual([]);
  });

  it('with a deadline already past throws FreezeExpiredError and writes no marker', async () => {
    // Prepare
    const { pair, runtime, migrationId } = scene;

    // Act
    const error = await drainStep({ migrationId, runId: 'run-late', from: 'source', deadline: Date.now() - 1 }, runtime).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(FreezeExpiredError);
    expect(error).toMatchObject({ message: expect.stringContaining('before the drain started') });
    expect((await pair.sourceSql(MARKERS, ['run-late:%'])).rows).toEqual([]);
  });

  it('rejects bad input, naming each field', async () => {
    // Act
    const error = await drainStep({ migrationId: scene.migrationId, runId: 'run-bad', from: 'sideways' }, scene.runtime).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'InvalidInputError' });
    expect((error as unknown as { problems: string[] }).problems).toEqual(["from: must be 'source' or 'target'", expect.stringMatching(/^deadline: /)]);
  });
});
