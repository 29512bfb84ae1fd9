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
