import type { Database } from '../../pg/connection';
import type { CheckOutcome, PreflightCheck, Severity, Side } from '../check';
import { sentences, worst } from '../text';

export interface SslState {
  readonly encrypted: boolean;
  /** TLS version and cipher, when encrypted. */
  readonly protocol: string | null;
  /** The server's address of this connection: 127.0.0.1, ::1, or null for a Unix socket. */
  readonly serverAddress: string | null;
  /** The connection arrived over the loopback interface (or a Unix socket): it never left the machine. */
  readonly loopback: boolean;
}

/**
 * What the server says about our own connection. The server's side of the socket is what tells a
 * loopback connection apart, whatever host name the client used.
 */
export async function readSslState(db: Database): Promise<SslState> {
  const [row] = await db.query<{ ssl: boolean; version: string | null; cipher: string | null; address: string | null; loopback: boolean }>(`
    select s.ssl, s.version, s.cipher, pg_catalog.host(pg_catalog.inet_server_addr()) as address,
           coalesce(pg_catalog.inet_server_addr() <<= inet '127.0.0.0/8' or pg_catalog.inet_server_addr() = inet '::1', true) as loopback
      from pg_catalog.pg_stat_ssl s where s.pid = pg_catalog.pg_backend_pid()`);
  if (row === undefined) throw new Error(`the ${db.label} shows no pg_stat_ssl row for this connection`);
  return {
    encrypted: row.ssl,
    protocol: row.ssl ? `${row.version ?? 'TLS'}${row.cipher ? `, ${row.cipher}` : ''}` : null,
    serverAddress: row.address,
    loopback: row.loopback,
  };
}

function sideSeverity(state: SslState): Severity {
  if (state.encrypted) return 'ok';
  return state.loopback ? 'warning' : 'error';
}

export function sslResult(states: Readonly<Record<Side, SslState>>): CheckOutcome {
  const sides = ['source', 'target'] as const;
  const severity = worst(sides.map((side) => sideSeverity(states[side])));
  const encrypted = sides.filter((side) => states[side].encrypted);
  const local = sides.filter((side) => sideSeverity(states[side]) === 'warning');
  const remote = sides.filter((side) => sideSeverity(states[side]) === 'error');
  const the = (list: readonly Side[]) => list.map((side) => `the ${side}`).join(' and ');
  const parts = [
    ...encrypted.map((side) => `The connection to the ${side} is encrypted (${states[side].protocol}).`),
    local.length > 0 &&
      `The connection${local.length === 2 ? 's' : ''} to ${the(local)} ${local.length === 2 ? 'are' : 'is'} not encrypted, but ${local.length === 2 ? 'they go' : 'it goes'} over the loopback interface (${[...new Set(local.map((side) => states[side].serverAddress ?? 'a Unix socket'))].join(', ')}), so the traffic never leaves the machine: fine for a local rehearsal, never for a real migration.`,
    ...remote.map(
      (side) => `The connection to the ${side} is NOT encrypted (server address ${states[side].serverAddress}): passwords and data cross the network in clear text.`,
    ),
  ];
  const fix =
    severity === 'error'
      ? 'Enable TLS on that server (self-managed: ssl = on with a certificate; RDS always offers it, and rds.force_ssl = 1 makes it mandatory) and keep sslMode at verify-full (or verify-ca/require) in the migration config.'
      : undefined;
  return { severity, message: sentences(...parts, fix), objects: sides.filter((side) => !states[side].encrypted) };
}

export const ssl: PreflightCheck = {
  id: 'ssl',
  title: 'The connections to both databases are encrypted (TLS)',
  databases: ['source', 'target'],
  async run(ctx) {
    const [source, target] = await Promise.all([readSslState(ctx.source), readSslState(ctx.target)]);
    return sslResult({ source, target });
  },
};
