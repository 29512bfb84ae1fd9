import { describe, expect, it } from 'vitest';
import { encodeMigrations, loadMigration, MigrationNotConfiguredError } from '../../../lambdas/shared/runtime-config';
import { MigrationSchema } from '../../../lambdas/shared/migration-config';
import { ORDERS } from '../../helpers/migrations';

describe('loadMigration', () => {
  const env = (migrations: unknown[]) => ({ FERRY_MIGRATIONS: encodeMigrations(migrations) });

  it('decodes and validates the environment once, and gives every later call the same configuration', () => {
    const once = env([MigrationSchema.parse(ORDERS)]);

    const first = loadMigration('orders', once);
    const second = loadMigration('orders', once);

    expect(first).toBe(second);
    expect(first.source.port).toBe(5432);
  });

  it('reads the environment again when its value changes, and names an unknown migration with the known ones', () => {
    loadMigration('orders', env([MigrationSchema.parse(ORDERS)]));
    const changed = env([MigrationSchema.parse({ ...ORDERS, id: 'billing' })]);

    expect(loadMigration('billing', changed).id).toBe('billing');
    expect(() => loadMigration('orders', changed)).toThrow(MigrationNotConfiguredError);
    expect(() => loadMigration('orders', changed)).toThrow(/configured: billing/);
  });
});
