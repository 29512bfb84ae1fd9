import { describe, expect, it } from 'vitest';
import { maxSlotWalKeepSize, maxSlotWalKeepSizeResult } from '../../../../../lambdas/shared/preflight/checks/max-slot-wal-keep-size';
import { usePostgres } from '../../../../helpers/postgres';
import { contextOf, runCheck, useDatabases } from '../helpers';

describe('max-slot-wal-keep-size', () => {
  const unlimited = usePostgres();
  const limited = usePostgres({ settings: { max_slot_wal_keep_size: '2GB' } });
  const open = useDatabases();

  it('is ok when the source limits the WAL a slot may keep', async () => {
    const result = await runCheck(maxSlotWalKeepSize, contextOf({ source: open(limited.url), target: open(limited.url, 'target database') }));

    expect(result).toMatchObject({ severity: 'ok', objects: [] });
    expect(result.message).toContain('max_slot_wal_keep_size = 2,147,483,648 bytes (2.0 GB) on the source');
  });

  it('is a warning recommending a limit when it is -1 (unlimited, the default)', async () => {
    const result = await runCheck(maxSlotWalKeepSize, contextOf({ source: open(unlimited.url), target: open(unlimited.url, 'target database') }));

    expect(result).toMatchObject({ severity: 'warning', objects: ['max_slot_wal_keep_size'] });
    expect(result.message).toContain("ALTER SYSTEM SET max_slot_wal_keep_size = '100GB'; SELECT pg_reload_conf()");
  });

  it('is info before PostgreSQL 13, which has no such setting', () => {
    expect(maxSlotWalKeepSizeResult(undefined)).toMatchObject({ severity: 'info', objects: ['max_slot_wal_keep_size'] });
  });
});
