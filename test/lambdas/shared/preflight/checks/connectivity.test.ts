import { describe, expect, it } from 'vitest';
import { connectivity } from '../../../../../lambdas/shared/preflight/checks/connectivity';
import { findFreePort } from '../../../../../local/postgres';
import { useFreshPairEachTest } from '../../../../helpers/database-pair';
import { asUser, contextOf, runCheck, useDatabases } from '../helpers';

describe('connectivity', () => {
  const pair = useFreshPairEachTest();
  const open = useDatabases();

  it('is ok when both databases accept a connection, and names their versions', async () => {

    const result = await runCheck(connectivity, contextOf(pair));

    expect(result.severity).toBe('ok');
    expect(result.message).toMatch(/the source \(PostgreSQL 17\.\d+, database t\d+ as postgres\) and the target/);
  });

  it('is an error naming the side and the cause when a database refuses the connection', async () => {
    const nothingListens = open(`postgres://postgres:x@127.0.0.1:${await findFreePort()}/postgres`, 'target database (127.0.0.1/postgres)');

    const result = await runCheck(connectivity, contextOf({ source: pair.source, target: nothingListens }));

    expect(result).toMatchObject({ severity: 'error', objects: ['target'] });
    expect(result.message).toContain('Could not connect to the target database (127.0.0.1/postgres): connection refused');
    expect(result.message).toContain('The checks that need this database were not run.');
  });

  it('is an error when the password is wrong', async () => {
    const wrongPassword = open(asUser(pair.sourceUrl, 'postgres', 'wrong'), 'source database');

    const result = await runCheck(connectivity, contextOf({ source: wrongPassword, target: pair.target }));

    expect(result).toMatchObject({ severity: 'error', objects: ['source'] });
    expect(result.message).toContain('authentication failed (check the user and password in the secret)');
  });
});
