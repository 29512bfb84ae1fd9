import { describe, expect, it } from 'vitest';
import { dmsLobType, lobSize, lobSizeResult } from '../../../../../lambdas/shared/preflight/checks/lob-size';
import { useFreshPairEachTest } from '../../../../helpers/database-pair';
import { contextOf, runCheck } from '../helpers';

describe('lob-size', () => {
  const pair = useFreshPairEachTest();
  const dms = { engine: 'dms' as const, lobMaxSizeKb: 32 };

  it('is ok when no value exceeds the limit as DMS counts it (2 bytes per character for text, 4 outside the BMP)', async () => {
    await pair.sourceSql(`
      create domain note as text;
      create table docs (id int primary key, title varchar(40), body text, cjk text, emoji note, data bytea, meta jsonb, tags text[]);
      -- 16,000 ASCII characters: 32,000 bytes as UTF-16, under 32 KB = 32,768.
      -- 10,000 CJK characters: 30,000 UTF-8 bytes (over half the limit, so counted exactly): 20,000 bytes as UTF-16.
      -- 8,000 emoji: 32,000 UTF-8 bytes, 32,000 bytes as UTF-16 (4 each).
      insert into docs values (1, 'a', repeat('x', 16000), repeat('字', 10000), repeat('😀', 8000), decode(repeat('ab', 32768), 'hex'), '{"a": 1}', array['t']);`);

    const result = await runCheck(lobSize, contextOf(pair, dms));

    expect(result).toEqual({ id: 'lob-size', severity: 'ok', message: 'No value in the 6 LOB columns of the selected tables exceeds lobMaxSizeKb = 32 (32,768 bytes (32.0 KB)).', objects: [] });
  });

  it('is an error naming each column whose largest value is over the limit, with the size found', async () => {
    await pair.sourceSql(`
      create table docs (id int primary key, body text, emoji text, data bytea, meta jsonb, tags text[], title varchar(40));
      insert into docs values (1, repeat('x', 16385), repeat('😀', 8193), decode(repeat('ab', 32769), 'hex'), jsonb_build_object('k', repeat('y', 20000)), array[repeat('z', 17000)], 't');
      insert into docs (id, body) values (2, 'short');`);

    const result = await runCheck(lobSize, contextOf(pair, dms));

    expect(result.severity).toBe('error');
    expect(result.objects).toEqual(['public.docs.meta', 'public.docs.tags', 'public.docs.emoji', 'public.docs.body', 'public.docs.data']);
    expect(result.message).toContain('5 columns hold values larger than the DMS LOB limit lobMaxSizeKb = 32 (32,768 bytes (32.0 KB))');
    expect(result.message).toContain('public.docs.body 32,770 bytes (32.0 KB) (text as NCLOB, 2 bytes per character)');
    expect(result.message).toContain('public.docs.emoji 32,772 bytes (32.0 KB) (text as NCLOB, 2 bytes per character)');
    expect(result.message).toContain('public.docs.data 32,769 bytes (32.0 KB) (bytea as BLOB, bytes)');
    expect(result.message).toContain('public.docs.meta 40,018 bytes (39.1 KB) (jsonb as NCLOB');
    expect(result.message).toContain("Raise lobMaxSizeKb in the migration's replication config to at least 40");
  });

  it('applies to the DMS engines only', () => {
    expect(lobSize.engines).toEqual(['dms']);
  });

  it('maps PostgreSQL types to DMS LOB types as the DMS user guide does', () => {
    const t = (base: string, extra: Partial<{ category: string; kind: string; typmod: number }> = {}) =>
      dmsLobType({ base, category: 'S', kind: 'b', typmod: -1, ...extra });

    expect([t('bytea'), t('text'), t('json'), t('jsonb'), t('hstore', { category: 'U' }), t('_int4', { category: 'A' }), t('address', { kind: 'c' })]).toEqual([
      'BLOB', 'NCLOB', 'NCLOB', 'NCLOB', 'NCLOB', 'NCLOB', 'NCLOB',
    ]);
    expect([t('xml'), t('tsvector'), t('polygon')]).toEqual(['CLOB', 'CLOB', 'CLOB']);
    expect([t('varchar'), t('varchar', { typmod: 44 }), t('bpchar', { typmod: 14 }), t('int4'), t('uuid')]).toEqual(['NCLOB', undefined, undefined, undefined, undefined]);
  });

  it('says when the largest value is beyond what limited LOB mode allows', () => {
    const result = lobSizeResult(32, 1, [{ column: 'public.files.blob', type: 'bytea', lob: 'BLOB', bytes: 200 * 1024 * 1024 }]);

    expect(result.message).toContain('The largest is above what limited LOB mode allows (102400 KB): use the native engine');
  });
});
