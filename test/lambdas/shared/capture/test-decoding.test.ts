import { describe, expect, it } from 'vitest';
import { CaptureDecodeError, parseTestDecoding, UNCHANGED_TOAST } from '../../../../lambdas/shared/capture/test-decoding';

/** Lines as PostgreSQL 17's test_decoding writes them (captured from a real server). */
describe('parseTestDecoding', () => {
  it('reads an insert with quoted names, array and bit types, a multi-line literal and bare numbers', () => {
    const line =
      `table "My Schema"."T ""x""": INSERT: id[integer]:1 "Na me"[text]:'it''s\nmulti' b[bit]:B'1010' f[double precision]:NaN ` +
      `arr[integer[]]:'{1,2}' ts[timestamp with time zone]:'2026-12-02 05:25:49.976362+00' m[public."my type"]:'b c' bo[boolean]:true n[numeric]:null`;

    const change = parseTestDecoding(line);

    expect(change).toEqual({
      kind: 'insert',
      table: { schema: 'My Schema', name: 'T "x"' },
      newTuple: new Map<string, unknown>([
        ['id', '1'], ['Na me', "it's\nmulti"], ['b', '1010'], ['f', 'NaN'], ['arr', '{1,2}'],
        ['ts', '2026-12-02 05:25:49.976362+00'], ['m', 'b c'], ['bo', 'true'], ['n', null],
      ]),
    });
  });

  it('reads an update whose key changed: the old key (identity columns only) and the new tuple', () => {
    const change = parseTestDecoding(`table public.t2: UPDATE: old-key: a[text]:'x:y [z] new-tuple: q' b[integer]:1 new-tuple: a[text]:'x:y [z] new-tuple: q' b[integer]:2 c[text]:unchanged-toast-datum`);

    expect(change).toEqual({
      kind: 'update',
      table: { schema: 'public', name: 't2' },
      oldKey: new Map([['a', 'x:y [z] new-tuple: q'], ['b', '1']]),
      newTuple: new Map<string, unknown>([['a', 'x:y [z] new-tuple: q'], ['b', '2'], ['c', UNCHANGED_TOAST]]),
    });
  });

  it('reads an update without old key, a delete by key, one without tuple data, and a truncate of two tables', () => {
    expect(parseTestDecoding('table public.t4: UPDATE: id[integer]:2 u[integer]:10')).toEqual({ kind: 'update', table: { schema: 'public', name: 't4' }, newTuple: new Map([['id', '2'], ['u', '10']]) });
    expect(parseTestDecoding('table public.t4: DELETE: u[integer]:11')).toEqual({ kind: 'delete', table: { schema: 'public', name: 't4' }, oldKey: new Map([['u', '11']]) });
    expect(parseTestDecoding('table public.t6: DELETE: (no-tuple-data)')).toEqual({ kind: 'delete', table: { schema: 'public', name: 't6' } });
    expect(parseTestDecoding('table public.t2, "odd, name".t3: TRUNCATE: restart_seqs cascade')).toEqual({
      kind: 'truncate',
      tables: [{ schema: 'public', name: 't2' }, { schema: 'odd, name', name: 't3' }],
    });
  });

  it('skips the columns of tables it is not asked about, and lines that change no row', () => {
    expect(parseTestDecoding(`table public.other: INSERT: id[integer]:'not even valid`, () => false)).toEqual({ kind: 'other' });
    expect(parseTestDecoding('BEGIN')).toEqual({ kind: 'other' });
    expect(parseTestDecoding('COMMIT')).toEqual({ kind: 'other' });
    expect(parseTestDecoding("message: transactional: 1 prefix: x, sz: 1 content:y")).toEqual({ kind: 'other' });
  });

  it('refuses a line it cannot read, quoting it, rather than skipping a change', () => {
    expect(() => parseTestDecoding(`table public.t: INSERT: id[integer]:'unterminated`)).toThrow(CaptureDecodeError);
    expect(() => parseTestDecoding('table public.t: MERGE: id[integer]:1')).toThrow(/unknown action "MERGE".*table public\.t: MERGE/);
  });
});
