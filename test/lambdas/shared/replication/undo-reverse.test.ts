import { describe, expect, it } from 'vitest';
import { undoReverse } from '../../../../lambdas/shared/replication/undo-reverse';
import { RecordingEngine } from '../../../helpers/recording-engine';

describe('undoReverse', () => {
  it('with no reverse replication only resumes forward replication (nothing-to-undo)', async () => {
    // Prepare
    const calls: string[] = [];

    // Act
    const output = await undoReverse(new RecordingEngine('forward', calls));

    // Assess
    expect(output).toEqual({ action: 'nothing-to-undo', message: 'No reverse replication to remove; forward replication: the subscription was enabled again' });
    expect(calls).toEqual(['forward.reverse', 'forward.start']);
  });

  it('stops the reverse replication first, then resumes forward, and is safe to repeat', async () => {
    // Prepare
    const calls: string[] = [];
    const engine = new RecordingEngine('forward', calls, new RecordingEngine('reverse', calls));

    // Act
    const first = await undoReverse(engine);
    const again = await undoReverse(engine);

    // Assess
    expect(first).toEqual({ action: 'undone', message: 'Reverse replication removed; forward replication: the subscription was enabled again' });
    expect(again.action).toBe('undone');
    expect(calls).toEqual(['forward.reverse', 'reverse.stop', 'forward.start', 'forward.reverse', 'reverse.stop', 'forward.start']);
  });

  it('does not resume forward replication when the reverse one cannot be stopped', async () => {
    // Prepare
    const calls: string[] = [];
    const reverse = new RecordingEngine('reverse', calls);
    reverse.stopError = new Error('the slot is active for another process');

    // Act
    const error = await undoReverse(new RecordingEngine('forward', calls, reverse)).catch((e: Error) => e);

    // Assess
    expect(error).toMatchObject({ message: 'the slot is active for another process' });
    expect(calls).toEqual(['forward.reverse', 'reverse.stop']);
  });
});
