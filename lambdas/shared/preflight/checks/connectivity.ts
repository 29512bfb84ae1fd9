import type { Database } from '../../pg/connection';
import type { CheckOutcome, PreflightCheck, PreflightContext, Side } from '../check';

export type Probe =
  | { readonly ok: true; readonly version: string; readonly user: string; readonly database: string }
  | { readonly ok: false; readonly error: string };

export type Reachability = Readonly<Record<Side, Probe>>;

/** Without a connect timeout a silently dropped SYN waits minutes for the operating system. */
export const PROBE_TIMEOUT_MS = 30_000;

async function probe(db: Database, timeoutMs: number): Promise<Probe> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Could not connect to the ${db.label}: no answer within ${timeoutMs / 1000} s (check the network path and security groups)`)), timeoutMs);
  });
  try {
    const [row] = await Promise.race([
      db.query<{ version: string; user: string; database: string }>(
        `select pg_catalog.current_setting('server_version') as version, current_user as "user", pg_catalog.current_database() as database`,
      ),
      timeout,
    ]);
    return { ok: true, version: row?.version ?? '?', user: row?.user ?? '?', database: row?.database ?? '?' };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** Connects to both databases at once; never throws. The runner uses it to skip checks whose database is unreachable. */
export async function probeDatabases(ctx: Pick<PreflightContext, 'source' | 'target'>, timeoutMs = PROBE_TIMEOUT_MS): Promise<Reachability> {
  const [source, target] = await Promise.all([probe(ctx.source, timeoutMs), probe(ctx.target, timeoutMs)]);
  return { source, target };
}

export function connectivityResult(reach: Reachability): CheckOutcome {
  const sides = ['source', 'target'] as const;
  const failed = sides.filter((side) => !reach[side].ok);
  if (failed.length === 0) {
    const describe = (side: Side) => {
      const p = reach[side] as Extract<Probe, { ok: true }>;
      return `the ${side} (PostgreSQL ${p.version}, database ${p.database} as ${p.user})`;
    };
    return { severity: 'ok', message: `Connected to ${describe('source')} and ${describe('target')}.`, objects: [] };
  }
  const errors = failed.map((side) => (reach[side] as Extract<Probe, { ok: false }>).error);
  return {
    severity: 'error',
    message:
      `${errors.join(' ')} Check the host, port and database in the migration config, the network path ` +
      `(security groups, pg_hba.conf) and the user and password in the secret, then run preflight again. ` +
      `The checks that need ${failed.length === 2 ? 'these databases' : 'this database'} were not run.`,
    objects: failed,
  };
}

export const connectivity: PreflightCheck = {
  id: 'connectivity',
  title: 'Both databases accept a connection with the configured credentials',
  databases: [],
  run: async (ctx) => connectivityResult(await probeDatabases(ctx)),
};
