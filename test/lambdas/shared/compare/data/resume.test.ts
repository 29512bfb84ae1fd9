import { beforeEach, describe, expect, it, vi } from 'vitest';
import { compareData } from '../../../../../lambdas/shared/compare/data/compare';
import { checkpointLedger, MemoryLedger, type CompareLedger } from '../../../../../lambdas/shared/compare/data/ledger';
import { usePostgresPair, type DatabasePair } from '../../../../helpers/database-pair';
import { useDynalite } from '../../../../helpers/dynalite';

/** 5,000 rows in segments of 500: ten segments; one planted change in the last one. */
const SETUP = `create table t (id int primary key, v text); insert into t select i, md5(i::text) from generate_series(1, 5000) i; analyze t`;
const OPTIONS = { segmentRows: 500, leafRows: 100 } as const;

function countAggregates(pair: DatabasePair) {
  return vi.spyOn(pair.source, 'queryWithSettings');
}

/** The segments a run hashes, as the numbers it writes to the ledger. */
function recordingSegments(ledger: CompareLedger): { ledger: CompareLedger; written: number[] } {
  const written: number[] = [];
  return {
    written,
    ledger: {
      runStep: (name, fn) => ledger.runStep(name, fn),
      listSegments: (table) => ledger.listSegments(table),
      putSegment: async (table, n, result) => {
        written.push(n);
        await ledger.putSegment(table, n, result);
      },
    },
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('a comparison cut short', () => {
  const servers = usePostgresPair();
  const dynamo = useDynalite();
  let pair: DatabasePair;
  beforeEach(async () => {
    pair = await servers.freshPair();
    await pair.bothSql(SETUP);
    await pair.targetSql(`update t set v = 'changed' where id = 4990`);
  });

  async function stopAfterSegments(ledger: CompareLedger, segments: number) {
    let clock = 0;
    return compareData(pair.source, pair.target, {
      ...OPTIONS,
      ledger,
      deadline: 1_000_000,
      now: () => clock,
      onProgress: (p) => {
        if (p.segmentsDone >= segments) clock = 2_000_000;
      },
    });
  }

  it('stops before its time budget ends and says what is pending', async () => {
    const result = await stopAfterSegments(new MemoryLedger(), 3);
    expect(result).toEqual({ tables: [], complete: false, pending: ['public.t'] });
  });

  it('resumes from its segment checkpoints without redoing finished segments', async () => {
    const ledger = new MemoryLedger();
    await stopAfterSegments(ledger, 3);
    const second = recordingSegments(ledger);

    const result = await compareData(pair.source, pair.target, { ...OPTIONS, ledger: second.ledger });

    expect(result.complete).toBe(true);
    expect(result.tables[0]).toMatchObject({ rows: 5000, changedTotal: 1, changed: [{ key: { id: 4990 }, columns: ['v'] }] });
    const segments = (await ledger.listSegments('public.t')).size;
    expect(segments).toBeGreaterThanOrEqual(8);
    expect(second.written).toEqual(range(3, segments));
  });

  it('redoes at most the one segment that was in flight when it crashed', async () => {
    const ledger = new MemoryLedger();
    const aggregate = pair.source.queryWithSettings.bind(pair.source);
    let calls = 0;
    const crash = vi.spyOn(pair.source, 'queryWithSettings').mockImplementation(async (...args) => {
      if (++calls === 5) throw new Error('connection lost mid-segment');
      return aggregate(...args);
    });
    await expect(compareData(pair.source, pair.target, { ...OPTIONS, ledger })).rejects.toThrow('connection lost mid-segment');
    crash.mockRestore();
    const finished = (await ledger.listSegments('public.t')).size;
    expect(finished).toBe(4);

    const second = recordingSegments(ledger);
    const result = await compareData(pair.source, pair.target, { ...OPTIONS, ledger: second.ledger });
    const segments = (await ledger.listSegments('public.t')).size;
    // The finished segments are not hashed again: the one in flight and the rest are.
    expect(second.written).toEqual(range(finished, segments));
    expect(result.tables[0]).toMatchObject({ changedTotal: 1 });
  });

  it('resumes from the checkpoint table (DynamoDB) just as well', async () => {
    const store = await dynamo.newStore();
    await stopAfterSegments(checkpointLedger(store, 'run-1'), 4);
    const second = recordingSegments(checkpointLedger(store, 'run-1'));
    const resumed = await compareData(pair.source, pair.target, { ...OPTIONS, ledger: second.ledger });
    expect(second.written[0]).toBe(4);
    const fresh = await compareData(pair.source, pair.target, OPTIONS);
    expect(resumed.tables.map(({ durationMs: _, ...t }) => t)).toEqual(fresh.tables.map(({ durationMs: _, ...t }) => t));
    // A finished comparison replays its stored result: no table is read again.
    const aggregates = countAggregates(pair);
    const replay = await compareData(pair.source, pair.target, { ...OPTIONS, ledger: checkpointLedger(store, 'run-1') });
    expect(aggregates).not.toHaveBeenCalled();
    expect(replay.tables).toEqual(resumed.tables);
  });
});
