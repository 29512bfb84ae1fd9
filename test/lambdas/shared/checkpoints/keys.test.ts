import { describe, expect, it } from 'vitest';
import {
  decodeKeyPart,
  PARTITION_KEY,
  reportPrefix,
  reportSk,
  segmentPrefix,
  segmentSk,
  SORT_KEY,
  stateKey,
  TTL_ATTRIBUTE,
} from '../../../../lambdas/shared/checkpoints/keys';

const AWKWARD = ['"we#ird"', 'a%23b', 'a#b', 'a', 'a#', 'a%', '%', 'public.Ünïcödé 表', "it's", 'a#0000000001'];

describe('checkpoint table keys', () => {
  it('names the key and TTL attributes the CDK construct uses', () => {
    expect([PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE]).toEqual(['pk', 'sk', 'ttl']);
    expect(stateKey('orders')).toEqual({ pk: 'MIGRATION#orders', sk: 'STATE' });
  });

  it('zero-pads segment numbers so that string order is numeric order', () => {
    // Act
    const keys = [0, 2, 10, 100, 9_999_999_999].map((n) => segmentSk('public.orders', n));

    // Assess
    expect(keys[0]).toBe('SEG#public.orders#0000000000');
    expect([...keys].sort()).toEqual(keys);
  });

  it('never lets one table prefix match another table, however the names look', () => {
    for (const table of AWKWARD) {
      for (const other of AWKWARD.filter((t) => t !== table)) {
        expect(segmentSk(other, 1).startsWith(segmentPrefix(table))).toBe(false);
      }
    }
  });

  it('encodes table names reversibly and without the separator', () => {
    for (const table of AWKWARD) {
      const encoded = segmentPrefix(table).slice('SEG#'.length, -1);
      expect(encoded).not.toContain('#');
      expect(decodeKeyPart(encoded)).toBe(table);
    }
  });

  it('sorts report keys of one kind by time', () => {
    // Act
    const older = reportSk('drift', new Date('2030-01-01T09:00:00Z'), 'ffffffff');
    const newer = reportSk('drift', new Date('2030-01-01T10:00:00Z'), '00000000');

    // Assess
    expect(older < newer).toBe(true);
    expect(newer.startsWith(reportPrefix('drift'))).toBe(true);
    expect(newer.startsWith(reportPrefix('drift#x'))).toBe(false);
  });

  it('refuses an empty key part', () => {
    expect(() => segmentSk('', 0)).toThrow(RangeError);
  });
});
