import { afterAll, beforeAll } from 'vitest';
import { startPostgres, type LocalPostgres, type StartPostgresOptions } from '../../local/postgres';

export { startPostgres } from '../../local/postgres';

/**
 * One PostgreSQL server per test file (it takes about a second to start). The returned object is
 * filled in by beforeAll, so read its properties inside tests, not at collection time.
 */
export function usePostgres(options: StartPostgresOptions = {}): LocalPostgres {
  let server: LocalPostgres | undefined;
  beforeAll(async () => {
    server = await startPostgres(options);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const started = () => {
    if (server === undefined) throw new Error('usePostgres(): the server is not running; use it inside tests or hooks');
    return server;
  };
  return {
    get url() {
      return started().url;
    },
    get host() {
      return started().host;
    },
    get port() {
      return started().port;
    },
    get user() {
      return started().user;
    },
    get password() {
      return started().password;
    },
    get database() {
      return started().database;
    },
    get baseDir() {
      return started().baseDir;
    },
    stop: () => started().stop(),
  };
}
