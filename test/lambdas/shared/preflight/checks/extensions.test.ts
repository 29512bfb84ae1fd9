import { describe, expect, it } from 'vitest';
import { extensions, extensionsResult } from '../../../../../lambdas/shared/preflight/checks/extensions';
import { useFreshPairEachTest } from '../../../../helpers/database-pair';
import { contextOf, runCheck } from '../helpers';

describe('extensions', () => {
  const pair = useFreshPairEachTest();

  it('is ok when the target has every extension of the source in the same version', async () => {
    await pair.bothSql('create extension hstore; create extension pgcrypto');

    const result = await runCheck(extensions, contextOf(pair));

    expect(result).toMatchObject({ severity: 'ok', objects: [] });
    expect(result.message).toBe('Every extension of the source is installed on the target in the same version (3 extensions).');
  });

  it('is an error naming an extension missing on the target, with the statement that installs it; a warning for another version', async () => {
    await pair.sourceSql(`create extension "uuid-ossp"; create extension hstore version '1.4'`);
    await pair.targetSql('create extension hstore');

    const result = await runCheck(extensions, contextOf(pair));

    expect(result).toMatchObject({ severity: 'error', objects: ['uuid-ossp', 'hstore'] });
    expect(result.message).toContain('1 extension of the source is not installed on the target: uuid-ossp.');
    expect(result.message).toContain(`Install it on the target: CREATE EXTENSION "uuid-ossp" VERSION '1.1';`);
    expect(result.message).toContain('1 extension has another version on the target: hstore (source 1.4, target 1.8).');
  });

  it('says when a missing extension cannot be installed on the target server at all', () => {
    const result = extensionsResult(new Map([['postgis', '3.4.2']]), { installed: new Map(), available: new Map() });

    expect(result.severity).toBe('error');
    expect(result.message).toContain('postgis cannot be installed on the target server at all');
  });
});
