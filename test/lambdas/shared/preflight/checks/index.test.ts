import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECK_IDS, PREFLIGHT_CHECKS } from '../../../../../lambdas/shared/preflight/checks/index';

describe('the preflight check registry', () => {
  it('has unique kebab-case ids, a title and the databases each check reads', () => {
    expect(new Set(CHECK_IDS).size).toBe(CHECK_IDS.length);
    for (const check of PREFLIGHT_CHECKS) {
      expect(check.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(check.title.length).toBeGreaterThan(20);
      expect(check.databases.every((side) => side === 'source' || side === 'target')).toBe(true);
    }
  });

  it('starts with connectivity, which the runner uses to skip checks of unreachable databases', () => {
    expect(CHECK_IDS[0]).toBe('connectivity');
  });

  it('has one source file and one test file per check (one check, one function, two tests)', () => {
    const source = path.join(__dirname, '..', '..', '..', '..', '..', 'lambdas', 'shared', 'preflight', 'checks');
    for (const id of CHECK_IDS) {
      expect(existsSync(path.join(source, `${id}.ts`)), `lambdas/shared/preflight/checks/${id}.ts`).toBe(true);
      expect(existsSync(path.join(__dirname, `${id}.test.ts`)), `test/lambdas/shared/preflight/checks/${id}.test.ts`).toBe(true);
    }
  });
});
