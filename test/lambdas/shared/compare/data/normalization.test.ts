import { beforeAll, describe, expect, it } from 'vitest';
import { compareData } from '../../../../../lambdas/shared/compare/data/compare';
import { usePostgresPair, type DatabasePair } from '../../../../helpers/database-pair';

/**
 * Each rule both ways: values that are equal data compare equal across the two servers, and one
 * changed value is found. Every case is its own table `c<n>` with an id and one value column.
 */
interface Case {
  readonly rule: string;
  readonly type: string;
  readonly source: string;
  readonly target: string;
  readonly equal: boolean;
  /** Target column type when it differs from the source's. */
  readonly targetType?: string;
  readonly strict?: boolean;
}

const cases: Case[] = [
  { rule: 'numeric compares by value', type: 'numeric', source: '1.0', target: '1.00', equal: true },
  { rule: 'numeric finds a different value', type: 'numeric', source: '1.0', target: '1.01', equal: false },
  { rule: 'numeric with the strict option compares scale', type: 'numeric', source: '1.0', target: '1.00', equal: false, strict: true },
  { rule: 'numeric NaN equals NaN', type: 'numeric', source: "'NaN'", target: "'NaN'", equal: true },
  { rule: 'float -0 equals 0', type: 'float8', source: "'-0'", target: '0', equal: true },
  { rule: 'float NaN equals NaN', type: 'float8', source: "'NaN'", target: "'NaN'", equal: true },
  { rule: 'float finds the last bit', type: 'float8', source: '0.1', target: '0.1000000000000001', equal: false },
  { rule: 'real -0 equals 0', type: 'real', source: "'-0'", target: '0', equal: true },
  { rule: 'timestamptz is independent of the writer time zone', type: 'timestamptz', source: "'2024-03-01 12:00:00+00'", target: "'2024-03-01 13:00:00+01'", equal: true },
  { rule: 'timestamptz finds a different instant', type: 'timestamptz', source: "'2024-03-01 12:00:00+00'", target: "'2024-03-01 12:00:00+01'", equal: false },
  { rule: 'jsonb ignores key order and spacing', type: 'jsonb', source: `'{"a": 1, "b": [1, 2]}'`, target: `'{"b":[1,2],"a":1}'`, equal: true },
  { rule: 'jsonb finds a changed nested value', type: 'jsonb', source: `'{"a": {"b": 1}}'`, target: `'{"a": {"b": 2}}'`, equal: false },
  { rule: 'json keeps its text', type: 'json', source: `'{"a":1}'`, target: `'{"a":1}'`, equal: true },
  { rule: 'json finds changed text', type: 'json', source: `'{"a":1}'`, target: `'{"a":2}'`, equal: false },
  { rule: 'arrays compare element by element', type: 'int[]', source: "'{1,2,3}'", target: 'array[1,2,3]', equal: true },
  { rule: 'arrays find a changed element', type: 'int[]', source: "'{1,2,3}'", target: "'{1,2,4}'", equal: false },
  { rule: 'arrays find a different order', type: 'text[]', source: "'{a,b}'", target: "'{b,a}'", equal: false },
  { rule: 'bytea compares bytes', type: 'bytea', source: "'\\x00ff'", target: "decode('00ff', 'hex')", equal: true },
  { rule: 'bytea finds a changed byte', type: 'bytea', source: "'\\x00ff'", target: "'\\x00fe'", equal: false },
  { rule: 'NULL is not the empty string', type: 'text', source: 'null', target: "''", equal: false },
  { rule: 'NULL equals NULL', type: 'text', source: 'null', target: 'null', equal: true },
  { rule: 'trailing spaces are different data', type: 'text', source: "'abc'", target: "'abc '", equal: false },
  { rule: 'Unicode normal forms are different data', type: 'text', source: "U&'\\00E9'", target: "U&'e\\0301'", equal: false },
  { rule: 'non-ASCII text equal byte for byte', type: 'text', source: "'Grüße, 世界 🚀'", target: "'Grüße, 世界 🚀'", equal: true },
  { rule: 'int and bigint columns hold equal numbers', type: 'int', targetType: 'bigint', source: '42', target: '42', equal: true },
  { rule: 'int and bigint columns find a different number', type: 'int', targetType: 'bigint', source: '42', target: '43', equal: false },
  { rule: 'money compares by amount', type: 'money', source: '12.5', target: "'12.50'", equal: true },
  { rule: 'interval finds a different span', type: 'interval', source: "'1 day'", target: "'2 days'", equal: false },
  { rule: 'uuid', type: 'uuid', source: "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", target: "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", equal: true },
];

describe('data comparison normalization', () => {
  const servers = usePostgresPair();
  let pair: DatabasePair;

  beforeAll(async () => {
    pair = await servers.freshPair();
    // Different server settings on each side must not matter: time zone, float digits, bytea format.
    await pair.targetSql(`alter database "t1" set timezone = 'Pacific/Chatham'; alter database "t1" set extra_float_digits = 0; alter database "t1" set bytea_output = 'escape'`);
    for (const [i, c] of cases.entries()) {
      await pair.sourceSql(`create table c${i} (id int primary key, v ${c.type}); insert into c${i} values (1, ${c.source}::${c.type}), (2, null)`);
      const targetType = c.targetType ?? c.type;
      await pair.targetSql(`create table c${i} (id int primary key, v ${targetType}); insert into c${i} values (1, ${c.target}::${targetType}), (2, null)`);
    }
  });

  const methods = ['record', 'text'] as const;
  it.each(methods.flatMap((method) => cases.map((c, i) => ({ ...c, i, method }))))('$rule ($method hashing)', async ({ i, equal, strict, method }) => {
    const result = await compareData(pair.source, pair.target, {
      selection: { include: [`public.c${i}`] },
      strictNumericScale: strict === true,
      hashMethod: method,
    });
    const [table] = result.tables;
    expect(table!.table).toBe(`public.c${i}`);
    if (equal) {
      expect(table).toMatchObject({ status: 'equal', changedTotal: 0, missingTotal: 0, extraTotal: 0 });
    } else {
      expect(table).toMatchObject({ status: 'different', changedTotal: 1, missingTotal: 0, extraTotal: 0, changed: [{ key: { id: 1 }, columns: ['v'] }] });
    }
  });

  it('matches columns by name, whatever their order in each table', async () => {
    await pair.sourceSql(`create table ordered (id int primary key, a text, b int, c date); insert into ordered values (1, 'x', 2, '2024-01-01')`);
    await pair.targetSql(`create table ordered (c date, b int, id int primary key, a text); insert into ordered (id, a, b, c) values (1, 'x', 2, '2024-01-01')`);
    const result = await compareData(pair.source, pair.target, { selection: { include: ['public.ordered'] } });
    expect(result.tables[0]).toMatchObject({ status: 'equal' });
  });

  it('compares enums by label, even when their internal ids differ', async () => {
    await pair.sourceSql(`create type mood as enum ('sad', 'ok', 'happy'); create table feelings (id int primary key, m mood); insert into feelings values (1, 'ok'), (2, 'happy')`);
    // Created after other types on the target, so its OIDs differ.
    await pair.targetSql(`create type filler as enum ('x'); create type mood as enum ('sad', 'ok', 'happy'); create table feelings (id int primary key, m mood); insert into feelings values (1, 'ok'), (2, 'sad')`);
    const result = await compareData(pair.source, pair.target, { selection: { include: ['public.feelings'] } });
    expect(result.tables[0]).toMatchObject({ status: 'different', changedTotal: 1, changed: [{ key: { id: 2 }, columns: ['m'] }] });
  });

  it('compares domains by their base type rules', async () => {
    await pair.bothSql(`create domain amount as numeric(12, 4) check (value >= 0); create table ledger (id int primary key, a amount)`);
    await pair.sourceSql(`insert into ledger values (1, 5.5), (2, 7)`);
    await pair.targetSql(`insert into ledger values (1, 5.5000), (2, 7.0001)`);
    const result = await compareData(pair.source, pair.target, { selection: { include: ['public.ledger'] } });
    expect(result.tables[0]).toMatchObject({ status: 'different', changedTotal: 1, changed: [{ key: { id: 2 }, columns: ['a'] }] });
  });

  it('names exactly the columns that changed in a wide row', async () => {
    await pair.bothSql(`create table wide (id int primary key, a int, b text, c jsonb, d timestamptz, e bool)`);
    await pair.sourceSql(`insert into wide values (1, 1, 'b', '{}', '2024-01-01Z', true)`);
    await pair.targetSql(`insert into wide values (1, 1, 'B', '{}', '2024-01-01Z', false)`);
    const result = await compareData(pair.source, pair.target, { selection: { include: ['public.wide'] } });
    expect(result.tables[0]!.changed).toEqual([{ key: { id: 1 }, columns: ['b', 'e'] }]);
  });
});
