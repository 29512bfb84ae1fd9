import { describe, expect, it } from 'vitest';
import { preflightContextOf, readReplicationState } from '../../../../lambdas/shared/preflight/run-step';
import { MigrationSchema } from '../../../../lambdas/shared/migration-config';
import type { Database } from '../../../../lambdas/shared/pg/connection';
import type { ReplicationEngine } from '../../../../lambdas/shared/replication/engine';
import { ORDERS } from '../../../helpers/migrations';
import { ScriptedEngine } from '../../../helpers/scripted-engine';

const none = {} as Database;

describe('readReplicationState', () => {
  it("reads the replication's state from its engine", async () => {
    const reading = await readReplicationState(async () => new ScriptedEngine({ status: { state: 'full-load', tables: [] } }));

    expect(reading).toEqual({ known: true, state: 'full-load' });
  });

  it('says why, never throwing, when the engine cannot be opened, fails to read, or does not answer in time', async () => {
    const failing = new ScriptedEngine({ status: { state: 'cdc', tables: [] } });
    failing.status = async () => {
      throw new Error('Could not connect to the target database: connection refused');
    };
    const silent = new ScriptedEngine({ status: { state: 'cdc', tables: [] } });
    silent.status = () => new Promise(() => undefined);

    const unopened = await readReplicationState(async () => {
      throw new Error('no DMS resource for orders');
    });
    const unread = await readReplicationState(async () => failing);
    const timedOut = await readReplicationState(async () => silent as ReplicationEngine, 20);

    expect(unopened).toEqual({ known: false, reason: 'reading its state failed: no DMS resource for orders' });
    expect(unread).toEqual({ known: false, reason: 'reading its state failed: Could not connect to the target database: connection refused' });
    expect(timedOut).toEqual({ known: false, reason: 'reading its state failed: its engine gave no state within 0.02 s' });
  });
});

describe('preflightContextOf', () => {
  it("carries the migration's slot names, and reads the replication's state once, when first asked", async () => {
    let opened = 0;
    const ctx = preflightContextOf(MigrationSchema.parse(ORDERS), none, none, async () => {
      opened++;
      return new ScriptedEngine({ status: { state: 'cdc', tables: [] } });
    });

    expect(ctx.ferrySlots).toEqual({
      source: { capture: 'ferry_capture_orders_source', replication: 'ferry_orders' },
      target: { capture: 'ferry_capture_orders_target', reverse: 'ferry_orders_reverse' },
    });
    expect(opened).toBe(0);
    expect(await ctx.replicationState?.()).toEqual({ known: true, state: 'cdc' });
    await ctx.replicationState?.();
    expect(opened).toBe(1);
  });

  it('without an engine leaves the state out (the replication counts as not started)', () => {
    expect(preflightContextOf(MigrationSchema.parse(ORDERS), none, none).replicationState).toBeUndefined();
  });
});
