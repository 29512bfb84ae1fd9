import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { CheckpointStore } from '../../../../lambdas/shared/checkpoints';
import { useDynalite } from '../../../helpers/dynalite';

const db = useDynalite();
let store: CheckpointStore;

beforeAll(async () => {
  store = await db.newStore();
});

const newRun = () => `run-${randomUUID()}`;

/** Names that break naive `SEG#<table>#<n>` keys: separators, escapes, quotes, non-ASCII. */
const AWKWARD_TABLES = ['"we#ird"', 'a%23b', 'a#b', 'a', 'a#', 'public.Ünïcödé 表', "it's", '%'];

describe('segment progress', () => {
  it('keeps tables with awkward names apart', async () => {
    // Prepare
    const runId = newRun();

    // Act
    for (const [i, table] of AWKWARD_TABLES.entries()) {
      await store.putSegment(runId, table, 0, { status: 'done', result: { table, i } });
      await store.putSegment(runId, table, 1, { status: 'running' });
    }

    // Assess
    for (const [i, table] of AWKWARD_TABLES.entries()) {
      const segments = await store.listSegments(runId, table);
      expect(segments.map((s) => [s.table, s.n, s.status])).toEqual([
        [table, 0, 'done'],
        [table, 1, 'running'],
      ]);
      expect(segments[0]?.result).toEqual({ table, i });
    }
  });

  it('lists segments in numeric order across query pages', async () => {
    // Prepare
    const runId = newRun();
    const numbers = [0, 1, 2, 9, 10, 11, 99, 100, 101, 1000, 12345, 3, 20, 200];
    for (const n of [...numbers].reverse()) await store.putSegment(runId, 'public.orders', n, { status: 'done' });
    const send = vi.spyOn(db.client, 'send');

    try {
      // Act
      const segments = await store.listSegments(runId, 'public.orders', { pageSize: 4 });

      // Assess
      expect(segments.map((s) => s.n)).toEqual([...numbers].sort((x, y) => x - y));
      const queries = send.mock.calls.filter(([command]) => command instanceof QueryCommand);
      expect(queries.length).toBeGreaterThanOrEqual(4);
    } finally {
      send.mockRestore();
    }
  });

  it('overwrites a segment with its latest progress', async () => {
    // Prepare
    const runId = newRun();
    await store.putSegment(runId, 'public.orders', 7, { status: 'running' });

    // Act
    await store.putSegment(runId, 'public.orders', 7, { status: 'done', result: { rows: 1000, hash: 'a1b2' } });

    // Assess
    expect(await store.getSegment(runId, 'public.orders', 7)).toMatchObject({
      status: 'done',
      result: { rows: 1000, hash: 'a1b2' },
    });
  });

  it('says which segments remain, and when all are done', async () => {
    // Prepare
    const runId = newRun();
    for (const n of [0, 2, 3]) await store.putSegment(runId, 'public.items', n, { status: 'done' });
    await store.putSegment(runId, 'public.items', 4, { status: 'failed' });

    // Act
    const pending = await store.pendingSegments(runId, 'public.items', 5);
    const doneBefore = await store.segmentsDone(runId, 'public.items', 5);
    for (const n of pending) await store.putSegment(runId, 'public.items', n, { status: 'done' });
    const doneAfter = await store.segmentsDone(runId, 'public.items', 5);

    // Assess
    expect(pending).toEqual([1, 4]);
    expect(doneBefore).toBe(false);
    expect(doneAfter).toBe(true);
  });

  it('rejects a segment number that would not sort numerically', async () => {
    // Act
    const attempts = [-1, 1.5, 1e10].map((n) => store.putSegment(newRun(), 't', n, { status: 'done' }));

    // Assess
    for (const attempt of attempts) await expect(attempt).rejects.toBeInstanceOf(RangeError);
  });
});
