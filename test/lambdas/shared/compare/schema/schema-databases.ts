import pg from 'pg';
import { Database } from '../../../../../lambdas/shared/pg/connection';
import { quoteIdent } from '../../../../../lambdas/shared/pg/identifiers';
import { readSchemaSnapshot, type ReadSchemaOptions, type SchemaSnapshot } from '../../../../../lambdas/shared/compare/schema';

/** Databases on one test server, for schema comparisons (two databases are as good as two servers here). */
export interface Server {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

function clientConfig(server: Server, database: string): pg.ClientConfig {
  return { host: server.host, port: server.port, user: server.user, password: server.password, database };
}

/** Runs a script (several statements) in the database. */
export async function execute(server: Server, database: string, sql: string): Promise<void> {
  const client = new pg.Client(clientConfig(server, database));
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A new empty database with the given name, replacing any earlier one. */
export async function recreateDatabase(server: Server, database: string): Promise<void> {
  const name = quoteIdent(database);
  await execute(server, 'postgres', `DROP DATABASE IF EXISTS ${name}`);
  await execute(server, 'postgres', `CREATE DATABASE ${name}`);
}

/** Reads a snapshot through Ferry's own connection class, as the comparison does. */
export async function snapshotOf(server: Server, database: string, options?: ReadSchemaOptions): Promise<SchemaSnapshot> {
  const db = new Database({ label: database, config: clientConfig(server, database) });
  try {
    return await readSchemaSnapshot(db, options);
  } finally {
    await db.close();
  }
}

/** A database kept open for many cases: one connection for scripts, one pool for snapshots. */
export interface ScratchDatabase {
  readonly name: string;
  execute(sql: string): Promise<void>;
  snapshot(options?: ReadSchemaOptions): Promise<SchemaSnapshot>;
}

/** A few scratch databases shared by concurrent tests: each test borrows one and gives it back. */
export class ScratchDatabases {
  private readonly free: ScratchDatabase[] = [];
  private readonly waiting: ((database: ScratchDatabase) => void)[] = [];
  private readonly closers: (() => Promise<void>)[] = [];

  constructor(private readonly names: readonly string[]) {}

  /** Creates the databases afresh and connects to them. */
  async open(server: Server): Promise<void> {
    await Promise.all(
      this.names.map(async (name) => {
        await recreateDatabase(server, name);
        const client = new pg.Client(clientConfig(server, name));
        await client.connect();
        const db = new Database({ label: name, config: clientConfig(server, name) }, { max: 1 });
        this.closers.push(() => client.end(), () => db.close());
        this.free.push({
          name,
          execute: async (sql) => {
            await client.query(sql);
          },
          snapshot: (options) => readSchemaSnapshot(db, options),
        });
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.closers.map((close) => close()));
  }

  async use<T>(fn: (database: ScratchDatabase) => Promise<T>): Promise<T> {
    const database = this.free.shift() ?? (await new Promise<ScratchDatabase>((resolve) => this.waiting.push(resolve)));
    try {
      return await fn(database);
    } finally {
      const next = this.waiting.shift();
      if (next) next(database);
      else this.free.push(database);
    }
  }
}
