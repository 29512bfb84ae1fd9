import { describe, expect, it } from 'vitest';
import { logicalDecoding, logicalDecodingResult } from '../../../../../lambdas/shared/preflight/checks/logical-decoding';
import { usePostgres } from '../../../../helpers/postgres';
import { contextOf, runCheck, useDatabases } from '../helpers';

describe('logical-decoding', () => {
  const logical = usePostgres();
  const replicaOnly = usePostgres({ settings: { wal_level: 'replica' } });
  const open = useDatabases();

  it('is ok when wal_level is logical on both sides', async () => {
    const result = await runCheck(logicalDecoding, contextOf({ source: open(logical.url), target: open(logical.url, 'target database') }));

    expect(result).toMatchObject({ severity: 'ok', objects: [] });
  });

  it('is an error telling how to enable it when the source has wal_level = replica', async () => {
    const result = await runCheck(logicalDecoding, contextOf({ source: open(replicaOnly.url), target: open(logical.url, 'target database') }));

    expect(result).toMatchObject({ severity: 'error', objects: ['source', 'wal_level'] });
    expect(result.message).toContain('Logical decoding is off on the source (wal_level = replica)');
    expect(result.message).toContain('ALTER SYSTEM SET wal_level = logical');
    expect(result.message).toContain('restart PostgreSQL');
  });

  it('is an error telling how to enable it when the target has wal_level = replica (change capture reads the target)', async () => {
    const result = await runCheck(logicalDecoding, contextOf({ source: open(logical.url), target: open(replicaOnly.url, 'target database') }));

    expect(result).toMatchObject({ severity: 'error', objects: ['target', 'wal_level'] });
    expect(result.message).toContain("Logical decoding is off on the target (wal_level = replica); change capture reads the target's changes from before the full comparison on");
    expect(result.message).toContain('ALTER SYSTEM SET wal_level = logical');
  });

  it('names both databases when both lack it', () => {
    const replica = new Map([['wal_level', 'replica']]);

    const result = logicalDecodingResult({ source: replica, target: new Map([['wal_level', 'replica'], ['rds.logical_replication', 'off']]) });

    expect(result).toMatchObject({ severity: 'error', objects: ['source', 'target', 'wal_level', 'rds.logical_replication'] });
    expect(result.message).toContain('Logical decoding is off on the source (wal_level = replica)');
    expect(result.message).toContain('Logical decoding is off on the target (wal_level = replica)');
    expect(result.message).toContain('Set rds.logical_replication = 1 in the DB parameter group');
  });

  it('on RDS, says to set rds.logical_replication in the parameter group, or to reboot when it is already on', () => {
    const settings = (entries: Record<string, string>) => new Map(Object.entries(entries));
    const on = settings({ wal_level: 'logical', 'rds.logical_replication': 'on' });

    const notSet = logicalDecodingResult({ source: settings({ wal_level: 'replica', 'rds.logical_replication': 'off' }), target: on });
    const pendingReboot = logicalDecodingResult({ source: settings({ wal_level: 'replica', 'rds.logical_replication': 'on' }), target: on });

    expect(notSet.objects).toEqual(['source', 'wal_level', 'rds.logical_replication']);
    expect(notSet.message).toContain('Set rds.logical_replication = 1 in the DB parameter group (for Aurora, the DB cluster parameter group) and reboot');
    expect(pendingReboot.message).toContain('rds.logical_replication is already on, so the instance has not been rebooted since');
  });
});
