/**
 * How one database server reaches the other: the subscriber's server connects to the publisher's
 * database with these values (so `host` is the name as seen from that server, not from Ferry).
 */
export interface ConnectionInfo {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
  readonly sslmode: 'disable' | 'require' | 'verify-ca' | 'verify-full';
  /** CA bundle path on the subscriber's server, for verify-ca / verify-full. */
  readonly sslrootcert?: string;
}

/** Seconds the subscriber's server waits for a connection to the publisher. */
export const CONNECT_TIMEOUT_SECONDS = 10;

/**
 * A libpq connection string (`key='value' ...`). Every value is single-quoted with `\` and `'`
 * escaped by a backslash, which is libpq's own quoting, so a password with spaces, quotes or
 * backslashes cannot end its value early or add keys.
 *
 * The result holds the password: it goes into `CREATE SUBSCRIPTION ... CONNECTION` and nowhere
 * else. Never log it and never put it in an error message.
 */
export function conninfo(connection: ConnectionInfo): string {
  const pairs: Array<[string, string]> = [
    ['host', connection.host],
    ['port', String(connection.port)],
    ['dbname', connection.database],
    ['user', connection.user],
    ['password', connection.password],
    ['sslmode', connection.sslmode],
  ];
  if (connection.sslrootcert !== undefined) pairs.push(['sslrootcert', connection.sslrootcert]);
  // Without it, a server that drops packets (not one that refuses) blocks CREATE and DROP
  // SUBSCRIPTION, and the apply worker's reconnects, for minutes of TCP timeouts.
  pairs.push(['connect_timeout', String(CONNECT_TIMEOUT_SECONDS)]);
  return pairs.map(([key, value]) => `${key}=${conninfoValue(key, value)}`).join(' ');
}

/** One value, quoted for a libpq connection string. */
export function conninfoValue(key: string, value: string): string {
  // libpq reads values as C strings: a NUL would silently cut the value short. The key, not the
  // value, goes into the message, because the value may be a password.
  if (value.includes('\0')) throw new RangeError(`connection setting "${key}" must not contain a NUL character`);
  return `'${value.replace(/[\\']/g, '\\$&')}'`;
}
