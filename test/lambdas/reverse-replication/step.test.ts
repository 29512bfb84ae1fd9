import { describe, expect, it } from 'vitest';
import { reverseReplicationStep } from '../../../lambdas/reverse-replication/step';
import { useDynalite } from '../../helpers/dynalite';
import { RecordingEngine, recordingRuntime } from '../../helpers/recording-engine';


describe('reverse-replication step', () => {
  const dynamo = useDynalite();

  const newRuntime = async (build: (calls: string[]) => RecordingEngine) => recordingRuntime(await dynamo.newStore(), build);

  it('prepare sets up the reverse replication and returns where it starts', async () => {
    // Prepare
    const { runtime, calls } = await newRuntime((c) => new RecordingEngine('forward', c));

    // Act
    const output = await reverseReplicationStep({ action: 'prepare', migrationId: 'orders' }, runtime);

    // Assess
    expect(output).toEqual({ action: 'prepared', startPosition: '0/3000060', message: 'reverse replication starts at 0/3000060' });
    expect(calls).toEqual(['forward.prepareReverse', 'databases.close']);
  });

  it('undo with no reverse replication only resumes forward replication (nothing-to-undo)', async () => {
    // Prepare
    const { runtime, calls } = await newRuntime((c) => new RecordingEngine('forward', c));

    // Act
    const output = await reverseReplicationStep({ action: 'undo', migrationId: 'orders' }, runtime);

    // Assess
    expect(output).toEqual({
      action: 'nothing-to-undo',
      message: 'No reverse replication to remove; forward replication: the subscription was enabled again',
    });
    expect(calls).toEqual(['forward.reverse', 'forward.start', 'databases.close']);
  });

  it('undo stops the reverse replication first, then resumes forward replication', async () => {
    // Prepare
    const { runtime, calls } = await newRuntime((c) => new RecordingEngine('forward', c, new RecordingEngine('reverse', c)));

    // Act
    const output = await reverseReplicationStep({ action: 'undo', migrationId: 'orders' }, runtime);

    // Assess
    expect(output).toEqual({ action: 'undone', message: 'Reverse replication removed; forward replication: the subscription was enabled again' });
    expect(calls).toEqual(['forward.reverse', 'reverse.stop', 'forward.start', 'databases.close']);
  });

  it('does not resume forward replication when the reverse one cannot be stopped, and still closes the databases', async () => {
    // Prepare
    const { runtime, calls } = await newRuntime((c) => {
      const reverse = new RecordingEngine('reverse', c);
      reverse.stopError = new Error('the slot is active for another process');
      return new RecordingEngine('forward', c, reverse);
    });

    // Act
    const error = await reverseReplicationStep({ action: 'undo', migrationId: 'orders' }, runtime).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ message: 'the slot is active for another process' });
    expect(calls).toEqual(['forward.reverse', 'reverse.stop', 'databases.close']);
  });

  it('rejects an unknown action and a missing migrationId, naming the fields, and opens nothing', async () => {
    // Prepare
    const { runtime, calls } = await newRuntime((c) => new RecordingEngine('forward', c));

    // Act
    const badAction = await reverseReplicationStep({ action: 'start', migrationId: 'orders' }, runtime).catch((e: Error) => e);
    const noId = await reverseReplicationStep({ action: 'undo' }, runtime).catch((e: Error) => e);

    // Assess
    expect(badAction).toMatchObject({ name: 'InvalidInputError', message: expect.stringMatching(/action: .*must be 'prepare' or 'undo'/) });
    expect(noId).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('migrationId: ') });
    expect(calls).toEqual([]);
  });
});
