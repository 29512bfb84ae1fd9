import { describe, expect, it } from 'vitest';
import { readSchemaSnapshot, type SequenceSnapshot } from '../../../../lambdas/shared/compare/schema';
import { detectDrift } from '../../../../lambdas/shared/drift/detect';
import { sequenceUse } from '../../../../lambdas/shared/drift/sequence-exhaustion';
import { useFreshPairEachTest } from '../../../helpers/database-pair';

const BIGINT_MAX = '9223372036854775807';

function sequence(changes: Partial<SequenceSnapshot>): SequenceSnapshot {
  return {
    schema: 'public',
    name: 's',
    dataType: 'bigint',
    start: '1',
    increment: '1',
    min: '1',
    max: BIGINT_MAX,
    cache: '1',
    cycle: false,
    ownedBy: null,
    identity: false,
    lastValue: null,
    ...changes,
  };
}

describe('how much of its range a sequence has used', () => {
  it.each([
    ['an ascending sequence', { lastValue: '50', min: '1', max: '101' }, 49],
    ['a descending sequence, from its max towards its min', { increment: '-1', start: '-1', lastValue: '-76', min: '-101', max: '-1' }, 75],
    ['a sequence never called, which has used nothing', { lastValue: null }, 0],
    ['a sequence never called that starts near its end', { dataType: 'smallint', start: '32000', min: '1', max: '32767', lastValue: null }, 97.65],
    ['a sequence at its end', { lastValue: '101', min: '1', max: '101' }, 100],
  ])('is measured for %s', (_, changes, percent) => {
    expect(sequenceUse(sequence(changes)).percentUsed).toBe(percent);
  });

  it('is exact past 2^53, where JavaScript numbers would round to 100%', () => {
    // Prepare: as Numbers, max 2^53 + 1 rounds to 2^53 and the last value equals it.
    const nearEnd = sequence({ min: '1', max: '9007199254740993', lastValue: '9007199254740992' });

    // Act
    const use = sequenceUse(nearEnd);

    // Assess
    expect(use.percentUsed).toBe(99.99);
    expect(Number(use.maxValue)).toBe(Number(use.lastValue));
    expect(use.maxValue).toBe('9007199254740993');
  });

  it('ends a bigint sequence at the max of the narrower integer column it feeds', () => {
    const use = sequenceUse(sequence({ lastValue: '2000000000' }), [{ name: 'public.t.id', type: 'integer' }]);

    expect(use).toEqual({ lastValue: '2000000000', minValue: '1', maxValue: '2147483647', percentUsed: 93.13, limitedBy: 'public.t.id integer' });
  });
});

describe('sequence exhaustion', () => {
  const pair = useFreshPairEachTest();

  it('warns about a smallint sequence past the warning threshold and errs past the error threshold, on the target', async () => {
    // Prepare: 27000 of 1..32767 is 82.4%; 31500 is 96.13%.
    await pair.bothSql('CREATE SEQUENCE small AS smallint');
    await pair.targetSql(`SELECT setval('small', 27000)`);

    // Act
    const warned = await detectDrift({ source: pair.source, target: pair.target });
    await pair.targetSql(`SELECT setval('small', 27100)`);
    const moved = await detectDrift({ source: pair.source, target: pair.target });
    await pair.targetSql(`SELECT setval('small', 31500)`);
    const erred = await detectDrift({ source: pair.source, target: pair.target });

    // Assess
    expect(warned.differences).toEqual([
      {
        kind: 'sequence-exhaustion',
        object: 'sequence public.small',
        source: null,
        target: { lastValue: '27000', minValue: '1', maxValue: '32767', percentUsed: 82.39 },
        severity: 'warning',
        detail: 'on the target: 82.39% of its range used (last value 27000, max 32767)',
      },
    ]);
    expect(warned.counts).toEqual({ schema: 0, data: 0, sequences: 1, byKind: { 'sequence-exhaustion': 1 } });
    expect(erred.differences).toEqual([expect.objectContaining({ kind: 'sequence-exhaustion', severity: 'error', target: expect.objectContaining({ percentUsed: 96.13 }) })]);
    // The sequence moving on is not a new result; crossing into error is.
    expect(moved.fingerprint).toBe(warned.fingerprint);
    expect(erred.fingerprint).not.toBe(warned.fingerprint);
  });

  it('errs about an int identity column near its max on the source, and not about the target trailing it (expected until cutover)', async () => {
    // Prepare
    await pair.bothSql('CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text)');
    await pair.sourceSql(`ALTER TABLE t ALTER id RESTART WITH 2100000000; INSERT INTO t (v) VALUES ('a')`);

    // Act
    const result = await detectDrift({ source: pair.source, target: pair.target });

    // Assess
    expect(result.differences).toEqual([
      {
        kind: 'sequence-exhaustion',
        object: 'sequence public.t_id_seq',
        source: { lastValue: '2100000000', minValue: '1', maxValue: '2147483647', percentUsed: 97.78 },
        target: null,
        severity: 'error',
        detail: 'on the source: 97.78% of its range used (last value 2100000000, max 2147483647)',
      },
    ]);
    expect(result.counts).toMatchObject({ schema: 0, sequences: 1 });
  });

  it('measures a descending sequence towards its min', async () => {
    // Prepare: an integer sequence counting down from -1; -1800000000 is 83.81% of the way to -2147483648.
    await pair.bothSql('CREATE SEQUENCE down AS integer INCREMENT -1');
    await pair.targetSql(`SELECT setval('down', -1800000000)`);
    const snapshot = await readSchemaSnapshot(pair.target);

    // Act: after cutover, only the target is looked at.
    const result = await detectDrift({ snapshot, target: pair.target });

    // Assess
    expect(result.differences).toEqual([
      {
        kind: 'sequence-exhaustion',
        object: 'sequence public.down',
        source: null,
        target: { lastValue: '-1800000000', minValue: '-2147483648', maxValue: '-1', percentUsed: 83.81 },
        severity: 'warning',
        detail: 'on the target: 83.81% of its range used (last value -1800000000, min -2147483648, descending)',
      },
    ]);
  });

  it('counts a bigint sequence as ending where the integer column it feeds ends', async () => {
    // Prepare: serial makes an integer sequence; this one is bigint, feeding an integer column.
    await pair.bothSql(`CREATE SEQUENCE wide; CREATE TABLE t (id integer PRIMARY KEY DEFAULT nextval('wide')); ALTER SEQUENCE wide OWNED BY t.id`);
    await pair.bothSql(`SELECT setval('wide', 2000000000)`);

    // Act
    const result = await detectDrift({ source: pair.source, target: pair.target });

    // Assess: on both sides.
    expect(result.differences.map((d) => [d.kind, d.object, d.severity, d.source === null ? 'target' : 'source'])).toEqual([
      ['sequence-exhaustion', 'sequence public.wide', 'warning', 'source'],
      ['sequence-exhaustion', 'sequence public.wide', 'warning', 'target'],
    ]);
    expect(result.differences[0]!.detail).toBe(
      'on the source: 93.13% of its range used (last value 2000000000, max 2147483647; column public.t.id integer ends it before the sequence does)',
    );
  });

  it('uses the thresholds it is given, and leaves cycling sequences alone', async () => {
    // Prepare: 20% and 30% used.
    await pair.bothSql(`CREATE SEQUENCE a MAXVALUE 101; CREATE SEQUENCE b MAXVALUE 101; CREATE SEQUENCE c MAXVALUE 101 CYCLE`);
    await pair.targetSql(`SELECT setval('a', 21), setval('b', 31), setval('c', 100)`);
    const snapshot = await readSchemaSnapshot(pair.target);

    // Act
    const result = await detectDrift({ snapshot, target: pair.target }, { exhaustionWarnPercent: 15, exhaustionErrorPercent: 25 });

    // Assess
    expect(result.differences.map((d) => [d.object, d.severity])).toEqual([
      ['sequence public.a', 'warning'],
      ['sequence public.b', 'error'],
    ]);
  });

  it('checks only the sequences of the selected tables', async () => {
    // Prepare
    await pair.bothSql(`CREATE SCHEMA app; CREATE TABLE app.t (id smallserial PRIMARY KEY); CREATE SCHEMA other; CREATE SEQUENCE other.s AS smallint`);
    await pair.targetSql(`SELECT setval('app.t_id_seq', 32000), setval('other.s', 32000)`);

    // Act
    const result = await detectDrift({ source: pair.source, target: pair.target }, { selection: { include: ['app.*'] } });

    // Assess
    expect(result.differences.map((d) => [d.kind, d.object])).toEqual([['sequence-exhaustion', 'sequence app.t_id_seq']]);
  });
});
