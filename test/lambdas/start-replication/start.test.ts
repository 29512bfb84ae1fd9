import { describe, expect, it } from 'vitest';
import { startReplication } from '../../../lambdas/start-replication/start';
import { ScriptedEngine } from '../../helpers/scripted-engine';

describe('startReplication', () => {
  it('passes the reload choice to the engine and reports the action and the state that follows', async () => {
    const engine = new ScriptedEngine({
      status: { state: 'starting', detail: 'creating the subscription' },
      start: { action: 'resumed', message: 'resumed the paused subscription' },
    });

    const output = await startReplication({ migrationId: 'orders', reload: false }, engine);

    expect(engine.starts).toEqual([{ reload: false }]);
    expect(output).toEqual({ migrationId: 'orders', engine: 'native', action: 'resumed', message: 'resumed the paused subscription', state: 'starting' });
  });
});
