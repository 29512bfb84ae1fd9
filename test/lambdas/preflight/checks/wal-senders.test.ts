import { describe, expect, it } from 'vitest';
import { walSenders } from '../../../../lambdas/preflight/checks/wal-senders';
import { usePostgres } from '../../../helpers/postgres';
import { contextOf, runCheck, useClients, useDatabases } from '../helpers';

describe('wal-senders', () => {
  const server = usePostgres({ settings: { max_wal_senders: '2' } });
  const open = useDatabases();
  const connect = useClients();

  it('is ok when enough WAL senders are free for the engine (DMS needs one)', async () => {
    const ctx = contextOf({ source: open(server.url), target: open(server.url, 'target database') }, { engine: 'dms' });

    const result = await runCheck(walSenders, ctx);

    expect(result).toMatchObject({ severity: 'ok', objects: [] });
    expect(result.message).toBe('The source has 2 of max_wal_senders = 2 free (0 in use); the replication needs 1 (1 for the DMS task).');
  });

  it('is an error when the running WAL senders leave too few free', async () => {
    // Two replication connections, as a streaming standby or another replication would hold.
    await connect({ connectionString: server.url, replication: 'database' } as never);
    await connect({ connectionString: server.url, replication: 'database' } as never);
    const ctx = contextOf({ source: open(server.url), target: open(server.url, 'target database') }, { engine: 'dms' });

    const result = await runCheck(walSenders, ctx);

    expect(result).toMatchObject({ severity: 'error', objects: ['max_wal_senders'] });
    expect(result.message).toContain('The source has 0 of max_wal_senders = 2 free (2 in use); the replication needs 1');
    expect(result.message).toContain('Raise max_wal_senders to at least 3');
  });
});
