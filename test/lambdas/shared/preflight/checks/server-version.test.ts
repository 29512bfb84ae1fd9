import { describe, expect, it } from 'vitest';
import { serverVersion, serverVersionResult } from '../../../../../lambdas/shared/preflight/checks/server-version';
import { usePostgres } from '../../../../helpers/postgres';
import { usePostgresMajor } from '../../../../helpers/postgres-versions';
import { contextOf, runCheck, useDatabases } from '../helpers';

describe('server-version', () => {
  const pg17 = usePostgres();
  const pg15 = usePostgresMajor(15);
  const open = useDatabases();

  it('is ok when both servers run the same major version', async () => {
    const ctx = contextOf({ source: open(pg17.url), target: open(pg17.url, 'target database') });

    const result = await runCheck(serverVersion, ctx);

    expect(result.severity).toBe('ok');
    expect(result.message).toMatch(/^The source runs PostgreSQL 17\.\d+, the target PostgreSQL 17\.\d+\.$/);
  });

  it('is a warning when the target is an older major version than the source', async () => {
    const ctx = contextOf({ source: open(pg17.url), target: open(pg15().url, 'target database') });

    const result = await runCheck(serverVersion, ctx);

    expect(result).toMatchObject({ severity: 'warning', objects: ['target'] });
    expect(result.message).toContain('The target is an older major version (15 < 17)');
  });

  it('is info for an upgrade, and an error for native replication below PostgreSQL 14', () => {
    const v = (version: string, num: number) => ({ version, num });

    const upgrade = serverVersionResult('native', { source: v('15.18', 150018), target: v('17.10', 170010) });
    const tooOld = serverVersionResult('native', { source: v('13.16', 130016), target: v('17.10', 170010) });
    const tooOldForDms = serverVersionResult('dms', { source: v('13.16', 130016), target: v('17.10', 170010) });

    expect(upgrade.severity).toBe('info');
    expect(upgrade.message).toContain('major version upgrade (15 to 17)');
    expect(tooOld).toMatchObject({ severity: 'error', objects: ['source'] });
    expect(tooOld.message).toContain("Ferry's native replication needs PostgreSQL 14 or later on both sides; upgrade the source or use a DMS engine.");
    expect(tooOldForDms.severity).toBe('info');
  });
});
