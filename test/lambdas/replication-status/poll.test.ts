import { describe, expect, it } from 'vitest';
import { pollReplication, STATUS_TABLE_LIMIT } from '../../../lambdas/replication-status/poll';
import { TransientError } from '../../../lambdas/shared/errors';
import { MemoryMetrics } from '../../../lambdas/shared/observability';
import { ReplicationFailedError } from '../../../lambdas/shared/replication/engine';
import { ScriptedEngine } from '../../helpers/scripted-engine';

const STARTED = Date.parse('2026-03-01T10:00:00Z');

describe('pollReplication', () => {
  it('reports a full load in progress with table counts, rows copied and the tables not yet loaded', async () => {
    const engine = new ScriptedEngine({
      status: {
        state: 'full-load',
        tables: [
          { table: 'public.orders', state: 'loaded', rowsCopied: 1000 },
          { table: 'public.items', state: 'loading', rowsCopied: 250 },
          { table: 'public.skus', state: 'pending' },
        ],
      },
    });

    // 1,250 rows in 50 s since the full load started: 25 rows/s, 750 + 500 rows left
    const readings = { estimates: async () => new Map([['public.items', 1000], ['public.skus', 500]]), startedAt: async () => STARTED, now: () => STARTED + 50_000 };

    const output = await pollReplication('orders', engine, new MemoryMetrics(), readings);

    expect(output).toMatchObject({
      state: 'full-load',
      fullLoadComplete: false,
      tables: { total: 3, pending: 1, loading: 1, loaded: 1 },
      rowsCopied: 1250,
      notLoaded: ['public.items', 'public.skus'],
      lagSeconds: null,
    });
    expect(output.progress).toEqual({
      rowsCopied: 1250,
      rowsEstimated: null,
      rowsLeft: 1250,
      percent: 50,
      rowsPerSecond: 25,
      estimatedSecondsLeft: 50,
      tablesWithoutEstimate: 0,
      startedAt: new Date(STARTED).toISOString(),
      tables: [
        { table: 'public.items', state: 'loading', rowsCopied: 250, rowsEstimated: 1000 },
        { table: 'public.skus', state: 'pending', rowsCopied: 0, rowsEstimated: 500 },
        { table: 'public.orders', state: 'loaded', rowsCopied: 1000, rowsEstimated: null },
      ],
    });
  });

  it('reports the time left as unknown, with why, when the estimates cannot be read, and keeps polling', async () => {
    const engine = new ScriptedEngine({ status: { state: 'full-load', tables: [{ table: 'public.items', state: 'loading', rowsCopied: 250 }] } });
    const readings = { estimates: () => Promise.reject(new Error('connection refused')), startedAt: async () => STARTED, now: () => STARTED + 50_000 };

    const output = await pollReplication('orders', engine, new MemoryMetrics(), readings);

    expect(output.progress).toMatchObject({
      rowsCopied: 250,
      rowsLeft: null,
      rowsPerSecond: 5,
      estimatedSecondsLeft: null,
      tablesWithoutEstimate: 1,
      tables: [{ table: 'public.items', state: 'loading', rowsCopied: 250, rowsEstimated: null }],
      problem: 'estimates unknown: Error: connection refused',
    });
  });

  it('ends the wait loop once every table is copied and changes stream, with the lag as a metric', async () => {
    const metrics = new MemoryMetrics();
    const engine = new ScriptedEngine({ status: { state: 'cdc', tables: [{ table: 'public.orders', state: 'loaded' }] }, lag: { seconds: 2, bytes: 4096 } });

    const output = await pollReplication('orders', engine, metrics);

    expect(output).toMatchObject({ state: 'cdc', fullLoadComplete: true, lagSeconds: 2, lagBytes: 4096 });
    expect(output.progress).toMatchObject({ rowsLeft: 0, percent: 100, estimatedSecondsLeft: 0, tables: [] });
    expect(metrics.recorded).toContainEqual({ name: 'ReplicationLagSeconds', unit: 'Seconds', value: 2, dimensions: { migrationId: 'orders' } });
  });

  it('reports an unknown lag as null, never as zero', async () => {
    const engine = new ScriptedEngine({
      status: { state: 'cdc', tables: [] },
      lag: () => Promise.reject(new TransientError('no CDCLatencyTarget datapoint yet')),
    });

    const output = await pollReplication('orders', engine, new MemoryMetrics());

    expect(output.lagSeconds).toBeNull();
  });

  it('throws ReplicationFailedError carrying the engine cause when the replication failed', async () => {
    const engine = new ScriptedEngine({ status: { state: 'failed', cause: 'table public.orders: duplicate key value violates unique constraint' } });

    const polled = pollReplication('orders', engine, new MemoryMetrics());

    await expect(polled).rejects.toThrow(ReplicationFailedError);
    await expect(polled).rejects.toThrow(/migration "orders" \(native\) failed: table public\.orders: duplicate key/);
  });

  it('lists at most STATUS_TABLE_LIMIT tables by name but counts all of them', async () => {
    const tables = Array.from({ length: STATUS_TABLE_LIMIT + 20 }, (_, i) => ({ table: `public.t${i}`, state: 'pending' as const }));
    const engine = new ScriptedEngine({ status: { state: 'full-load', tables } });

    const output = await pollReplication('orders', engine, new MemoryMetrics());

    expect(output.notLoaded).toHaveLength(STATUS_TABLE_LIMIT);
    expect(output.tables.total).toBe(STATUS_TABLE_LIMIT + 20);
  });

  it('passes the engine detail through while starting', async () => {
    const engine = new ScriptedEngine({ status: { state: 'starting', detail: 'replication task is starting' } });

    const output = await pollReplication('orders', engine, new MemoryMetrics());

    expect(output).toMatchObject({ state: 'starting', fullLoadComplete: false, detail: 'replication task is starting' });
    expect(output.progress).toMatchObject({ rowsLeft: null, percent: null, estimatedSecondsLeft: null });
  });
});
