import { describe, expect, it } from 'vitest';
import { useFreshPairEachTest } from '../helpers/database-pair';
import { useDynalite } from '../helpers/dynalite';
import { migrateHarness } from './migrate.fixture';

/** The real statemachines/drift.asl.json with the drift step in-process. */
describe('the drift workflow', () => {
  const pair = useFreshPairEachTest();
  const dynamo = useDynalite();

  it('checks a replicating migration with the input the schedule sends, and reports a planted difference', async () => {
    // Prepare
    await pair.bothSql(`create table orders (id bigint primary key, total numeric(12,2))`);
    const m = await migrateHarness(pair, dynamo, `drift-${Date.now() % 100000}`);
    const migrated = await m.run();
    expect(migrated.status).toBe('SUCCEEDED');
    await pair.targetSql(`alter table orders alter column total type numeric(14,2)`);

    try {
      // Act
      const outcome = await m.runOther('drift');

      // Assess
      expect(outcome).toMatchObject({ status: 'SUCCEEDED', output: { status: 'checked', mode: 'source-target', differences: 1, changed: true, notified: true } });
      expect(m.runtime.notifier.sent.at(-1)?.event).toBe('drift-changed');
    } finally {
      await m.cleanUp();
    }
  });

  it('fails with a failure report naming the field when the console input is misspelt', async () => {
    // Prepare
    const m = await migrateHarness(pair, dynamo, `drift-bad-${Date.now() % 100000}`);

    // Act
    const outcome = await m.runOther('drift', { dat: 'full' });

    // Assess
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'InvalidInputError' });
    expect(await m.runtime.store.latestReport(m.migrationId, 'failure')).toBeDefined();
  });
});
