import { Database } from '../../lambdas/shared/pg/connection';
import { UsageError } from './usage-error';

/** A database named by a postgres:// URL on the command line. */
export function openDatabase(option: string, role: 'source' | 'target', url: string, max = 4): Database {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${option}: not a URL; expected postgres://user:password@host:port/database`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new UsageError(`${option}: expected a postgres:// or postgresql:// URL, got ${parsed.protocol}//...`);
  }
  // The label names the database in every error; it never includes the password.
  const where = `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}${parsed.pathname || '/'}`;
  return new Database({ label: `${role} database (${where})`, config: { connectionString: url } }, { max });
}

/** Opens `--source` and `--target` (`max` connections each), runs `body` with both, and closes them however it ends. */
export async function withDatabasePair<T>(urls: { source: string; target: string }, max: number | undefined, body: (source: Database, target: Database) => Promise<T>): Promise<T> {
  const source = openDatabase('--source', 'source', urls.source, max);
  const target = openDatabase('--target', 'target', urls.target, max);
  try {
    return await body(source, target);
  } finally {
    await Promise.all([source.close(), target.close()]);
  }
}
