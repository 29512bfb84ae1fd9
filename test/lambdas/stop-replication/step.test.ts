import { describe, expect, it } from 'vitest';
import { stopReplicationStep } from '../../../lambdas/stop-replication/step';
import { useDynalite } from '../../helpers/dynalite';
import { RecordingEngine, recordingRuntime } from '../../helpers/recording-engine';


describe('stop-replication step', () => {
  const dynamo = useDynalite();

  const newRuntime = async (build: (calls: string[]) => RecordingEngine) => recordingRuntime(await dynamo.newStore(), build);

  it('stops the reverse replication first, then the forward one, and reports both', async () => {
    // Prepare
    const { runtime, calls } = await newRuntime((c) => new RecordingEngine('forward', c, new RecordingEngine('reverse', c)));

    // Act
    const output = await stopReplicationStep({ migrationId: 'orders' }, runtime);

    // Assess
    expect(output).toEqual({
      reverse: 'reverse replication stopped; its slot was dropped',
      forward: 'forward replication stopped; its slot was dropped',
      capture: 'no change-capture slot left',
    });
    expect(calls).toEqual(['forward.reverse', 'reverse.stop', 'forward.stop', 'databases.close']);
  });

  it('stops forward replication alone when there is no reverse one, and says so', async () => {
    // Prepare
    const { runtime, calls } = await newRuntime((c) => new RecordingEngine('forward', c));

    // Act
    const output = await stopReplicationStep({ migrationId: 'orders' }, runtime);

    // Assess
    expect(output).toEqual({ reverse: 'no reverse replication', forward: 'forward replication stopped; its slot was dropped', capture: 'no change-capture slot left' });
    expect(calls).toEqual(['forward.reverse', 'forward.stop', 'databases.close']);
  });

  it('rejects a missing migrationId and an unknown field, naming them, and stops nothing', async () => {
    // Prepare
    const { runtime, calls } = await newRuntime((c) => new RecordingEngine('forward', c));

    // Act
    const noId = await stopReplicationStep({}, runtime).catch((e: Error) => e);
    const extra = await stopReplicationStep({ migrationId: 'orders', direction: 'reverse' }, runtime).catch((e: Error) => e);

    // Assess
    expect(noId).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('migrationId: ') });
    expect(extra).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('unknown field(s) direction') });
    expect(calls).toEqual([]);
  });

  it('does not stop a migration that is not configured', async () => {
    // Prepare
    const { runtime, calls } = await newRuntime((c) => new RecordingEngine('forward', c));

    // Act
    const error = await stopReplicationStep({ migrationId: 'invoices' }, runtime).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ name: 'MigrationNotConfiguredError' });
    expect(calls).toEqual([]);
  });
});
