import { describe, expect, it } from 'vitest';
import { conninfo, conninfoValue, type ConnectionInfo } from '../../../../../lambdas/shared/replication/native/conninfo';
import { assertReplicationName, reverseName, tablesyncSlotPattern } from '../../../../../lambdas/shared/replication/native/names';

const CONNECTION: ConnectionInfo = { host: 'db.example.com', port: 5432, database: 'orders', user: 'ferry', password: 'secret', sslmode: 'verify-full' };

/** libpq's reading of `key='value' ...` (fe-connect.c, conninfo_parse), for quoted values. */
function parseConninfo(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    while (text[i] === ' ') i++;
    const eq = text.indexOf('=', i);
    const key = text.slice(i, eq);
    i = eq + 1;
    if (text[i] !== "'") throw new Error(`value of ${key} is not quoted`);
    i++;
    let value = '';
    while (text[i] !== "'") {
      if (i >= text.length) throw new Error(`unterminated value of ${key}`);
      if (text[i] === '\\') i++;
      value += text[i++];
    }
    i++;
    result[key] = value;
  }
  return result;
}

describe('conninfo', () => {
  it('quotes every value, so libpq reads back exactly the given ones', () => {
    const text = conninfo({ ...CONNECTION, sslrootcert: '/etc/ssl/rds bundle.pem' });

    expect(text).toBe(
      "host='db.example.com' port='5432' dbname='orders' user='ferry' password='secret' sslmode='verify-full' " +
        "sslrootcert='/etc/ssl/rds bundle.pem' connect_timeout='10'",
    );
    expect(parseConninfo(text)).toMatchObject({ host: 'db.example.com', sslrootcert: '/etc/ssl/rds bundle.pem' });
  });

  it('escapes quotes and backslashes, so a password cannot end its value early or add settings', () => {
    const password = `it's \\' x' sslmode='disable \\\\`;

    const text = conninfo({ ...CONNECTION, password });

    expect(conninfoValue('password', `a'b\\c`)).toBe(`'a\\'b\\\\c'`);
    expect(parseConninfo(text)).toEqual({
      host: 'db.example.com',
      port: '5432',
      dbname: 'orders',
      user: 'ferry',
      password,
      sslmode: 'verify-full',
      connect_timeout: '10',
    });
  });

  it('round-trips any printable value', () => {
    const alphabet = ` '\\"=abc\t€`;
    for (let n = 0; n < 200; n++) {
      const value = Array.from({ length: n % 17 }, (_, k) => alphabet[(n * 7 + k * 13) % alphabet.length]).join('');
      expect(parseConninfo(conninfo({ ...CONNECTION, password: value })).password).toBe(value);
    }
  });

  it('refuses a NUL character without repeating the value in the message', () => {
    expect(() => conninfo({ ...CONNECTION, password: 'top\0secret' })).toThrow('connection setting "password" must not contain a NUL character');
    expect(() => conninfo({ ...CONNECTION, password: 'top\0secret' })).not.toThrow(/secret/);
  });
});

describe('replication names', () => {
  it('accepts slot-safe names only', () => {
    expect(() => assertReplicationName('ferry_orders')).not.toThrow();
    for (const bad of ['', 'Ferry', '1st', 'a-b', 'a'.repeat(64), 'x"y']) {
      expect(() => assertReplicationName(bad)).toThrow(/must be 1-63 lower-case letters/);
    }
  });

  it('names the reverse direction <name>_reverse, shortened with a hash when too long', () => {
    const long = `ferry_${'a'.repeat(57)}`;
    const longToo = `ferry_${'a'.repeat(56)}b`;

    expect(reverseName('ferry_orders')).toBe('ferry_orders_reverse');
    expect(reverseName(long)).toHaveLength(63);
    expect(reverseName(long)).toMatch(/^ferry_a+_[0-9a-f]{8}_reverse$/);
    expect(reverseName(long)).not.toBe(reverseName(longToo));
  });

  it('matches the table-sync slots of one subscription with a LIKE pattern', () => {
    expect(tablesyncSlotPattern('16401')).toBe('pg\\_16401\\_sync\\_%');
    expect(() => tablesyncSlotPattern('1 or 1=1')).toThrow(/not an oid/);
  });
});
