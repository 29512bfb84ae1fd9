import { describe, expect, it } from 'vitest';
import { MemorySwitch } from '../../../lambdas/shared/switch/switch';
import { switchStep } from '../../../lambdas/switch/step';
import { localRuntime, type LocalRuntime } from '../../../local/runtime';
import { manualClock } from '../../helpers/clock';
import { useDynalite } from '../../helpers/dynalite';
import { ORDERS } from '../../helpers/migrations';


describe('switch step', () => {
  const dynamo = useDynalite();
  const clock = manualClock();
  const newRuntime = async (switches?: Record<string, MemorySwitch>): Promise<LocalRuntime> =>
    localRuntime({ store: await dynamo.newStore({ now: clock.now }), migrations: [ORDERS], secrets: {}, now: clock.now, ...(switches ? { switches } : {}) });
  const clientsUse = async (runtime: LocalRuntime) => (await (await runtime.switchFor(runtime.migration('orders'))).current()).side;

  it('points the clients at the target through the configured switch, and says which switch did it', async () => {
    // Prepare
    const runtime = await newRuntime();

    // Act
    const output = await switchStep({ migrationId: 'orders', to: 'target' }, runtime);

    // Assess
    expect(output).toEqual({
      strategy: 'memory',
      action: 'switched',
      side: 'target',
      from: 'source.example:5432/orders',
      to: 'target.example:5432/orders',
      message: 'clients moved from source.example:5432/orders to the target (target.example:5432/orders)',
    });
    expect(await clientsUse(runtime)).toBe('target');
  });

  it('changes nothing when repeated: the second call says the clients are there already', async () => {
    // Prepare
    const runtime = await newRuntime();
    await switchStep({ migrationId: 'orders', to: 'target' }, runtime);

    // Act
    const again = await switchStep({ migrationId: 'orders', to: 'target' }, runtime);

    // Assess
    expect(again).toMatchObject({ strategy: 'memory', action: 'already', side: 'target', from: 'target.example:5432/orders', to: 'target.example:5432/orders' });
    expect(await clientsUse(runtime)).toBe('target');
  });

  it('points the clients back at the source for a rollback', async () => {
    // Prepare
    const sw = new MemorySwitch({ source: { host: 'source.example', port: 5432, database: 'orders' }, target: { host: 'target.example', port: 5432, database: 'orders' } });
    const runtime = await newRuntime({ orders: sw });
    await switchStep({ migrationId: 'orders', to: 'target' }, runtime);

    // Act
    const output = await switchStep({ migrationId: 'orders', to: 'source' }, runtime);

    // Assess
    expect(output).toMatchObject({ action: 'switched', side: 'source' });
    expect(sw.history).toEqual(['target', 'source']);
  });

  it('switches before the freeze deadline', async () => {
    // Prepare
    const runtime = await newRuntime();

    // Act
    const output = await switchStep({ migrationId: 'orders', to: 'target', deadline: clock.now() + 1 }, runtime);

    // Assess
    expect(output).toMatchObject({ action: 'switched' });
  });

  it('refuses with FreezeExpiredError once the freeze deadline passed, and the clients are not moved', async () => {
    // Prepare
    const runtime = await newRuntime();
    const deadline = clock.now() - 1;

    // Act
    const error = await switchStep({ migrationId: 'orders', to: 'target', deadline }, runtime).catch((e: Error) => e);
    const atDeadline = await switchStep({ migrationId: 'orders', to: 'target', deadline: clock.now() }, runtime).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'FreezeExpiredError' });
    expect((error as Error).message).toContain(`(ended ${new Date(deadline).toISOString()}) before the clients were switched`);
    expect(atDeadline).toMatchObject({ name: 'FreezeExpiredError' });
    expect(await clientsUse(runtime)).toBe('source');
  });

  it('rejects an unknown side, a missing migrationId and an unknown field, naming each', async () => {
    // Prepare
    const runtime = await newRuntime();

    // Act
    const badSide = await switchStep({ migrationId: 'orders', to: 'replica' }, runtime).catch((e: Error) => e);
    const noId = await switchStep({ to: 'target' }, runtime).catch((e: Error) => e);
    const extra = await switchStep({ migrationId: 'orders', to: 'target', force: true }, runtime).catch((e: Error) => e);

    // Assess
    expect(badSide).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining("to: must be 'source' or 'target'") });
    expect(noId).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('migrationId: ') });
    expect(extra).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('unknown field(s) force') });
    expect(await clientsUse(runtime)).toBe('source');
  });

  it('does not switch a migration that is not configured', async () => {
    // Prepare
    const runtime = await newRuntime();

    // Act
    const error = await switchStep({ migrationId: 'invoices', to: 'target' }, runtime).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'MigrationNotConfiguredError' });
  });
});
