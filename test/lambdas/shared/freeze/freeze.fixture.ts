import pg from 'pg';
import { afterAll, afterEach } from 'vitest';
import { Database } from '../../../../lambdas/shared/pg/connection';
import { usePostgres } from '../../../helpers/postgres';

export const ROLE_PASSWORD = 'app-password';

/** A new database on the file's server, with an admin SQL runner and logins as application roles. */
export interface FreezeDatabase {
  readonly name: string;
  /** Ferry's view of it (connected as the server's superuser, as in these tests Ferry is). */
  readonly db: Database;
  /** Runs SQL (several statements allowed) as the superuser. */
  sql(text: string, values?: unknown[]): Promise<pg.QueryResult>;
  /** A session of `role` (made with `createRole`), open until the test ends or the server ends it. */
  connectAs(role: string): Promise<pg.Client>;
}

export interface FreezeServer {
  /** A name unique in this file (roles are per server, and the server is shared by the file's tests). */
  unique(prefix: string): string;
  /** Creates a login role if it is not there (a retried test finds it). */
  createRole(name: string, attributes?: string): Promise<string>;
  freshDatabase(): Promise<FreezeDatabase>;
  /** Runs SQL on the server's default database as the superuser. */
  adminSql(text: string, values?: unknown[]): Promise<pg.QueryResult>;
  readonly user: string;
}

/**
 * One PostgreSQL server for the file. Sessions opened as application roles are closed after each
 * test; a session the server ended must not crash the test run, so their errors are swallowed
 * (tests assert on query results instead).
 */
export function useFreezeServer(): FreezeServer {
  const server = usePostgres();
  let counter = 0;
  const sessions: pg.Client[] = [];
  const closers: Array<() => Promise<void>> = [];

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((c) => c.end().catch(() => undefined)));
  });
  afterAll(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function runner(database: string) {
    const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database });
    client.on('error', () => undefined);
    await client.connect();
    closers.push(() => client.end());
    return (text: string, values?: unknown[]) => client.query(text, values);
  }

  let admin: ((text: string, values?: unknown[]) => Promise<pg.QueryResult>) | undefined;
  const adminSql = async (text: string, values?: unknown[]) => {
    admin ??= await runner(server.database);
    return admin(text, values);
  };

  return {
    unique: (prefix) => `${prefix}_${++counter}`,
    get user() {
      return server.user;
    },
    adminSql,
    async createRole(name, attributes = 'login') {
      await adminSql(`do $$ begin
          create role ${pg.escapeIdentifier(name)} ${attributes} password '${ROLE_PASSWORD}';
        exception when duplicate_object then null;
        end $$`);
      return name;
    },
    async freshDatabase() {
      const name = `f${++counter}`;
      await adminSql(`create database ${pg.escapeIdentifier(name)}`);
      const db = new Database({
        label: 'source database',
        config: { host: server.host, port: server.port, user: server.user, password: server.password, database: name },
      });
      closers.push(() => db.close());
      const sql = await runner(name);
      return {
        name,
        db,
        sql,
        async connectAs(role) {
          const client = new pg.Client({ host: server.host, port: server.port, user: role, password: ROLE_PASSWORD, database: name });
          client.on('error', () => undefined);
          await client.connect();
          sessions.push(client);
          return client;
        },
      };
    },
  };
}

/** The error a query fails with (`undefined` if it succeeds), for asserting on code and message. */
export async function failureOf(query: Promise<unknown>): Promise<{ code?: string; message: string } | undefined> {
  try {
    await query;
    return undefined;
  } catch (error) {
    return { code: (error as { code?: string }).code, message: (error as Error).message };
  }
}

/**
 * Every privilege on the database's tables in `public`, table-level (an owner's implicit ACL
 * made explicit with acldefault, so an untouched owner and a restored one compare equal) and
 * column-level, with grantor and grant option.
 */
export async function privilegesOf(sql: FreezeDatabase['sql']): Promise<string[]> {
  const { rows } = await sql(`
    select format('%s: %s %s%s by %s', c.relname, a.grantee::regrole, a.privilege_type,
                  case when a.is_grantable then ' with grant option' else '' end, a.grantor::regrole) as line
      from pg_class c
      cross join lateral aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
     where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'
    union all
    select format('%s.%s: %s %s%s by %s', c.relname, att.attname, a.grantee::regrole, a.privilege_type,
                  case when a.is_grantable then ' with grant option' else '' end, a.grantor::regrole)
      from pg_class c
      join pg_attribute att on att.attrelid = c.oid and att.attnum > 0 and att.attacl is not null
      cross join lateral aclexplode(att.attacl) a
     where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'
     order by 1`);
  return rows.map((r: { line: string }) => r.line);
}
