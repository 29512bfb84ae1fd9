import { describe, expect, it } from 'vitest';
import { defaultReplicationName, ferrySlotNames, ferrySlotsOf, slotNamesOn } from '../../../../lambdas/shared/preflight/ferry-slots';
import { MigrationSchema, nativeReplicationName } from '../../../../lambdas/shared/migration-config';
import { ORDERS } from '../../../helpers/migrations';

describe('ferry slot names', () => {
  it('names the capture slots, the native replication slot and its reverse slot of a migration', () => {
    const slots = ferrySlotsOf(MigrationSchema.parse({ ...ORDERS, id: 'eu-orders', replication: { engine: 'native', replicationName: 'orders_move' } }));

    expect(slots).toEqual({
      source: { capture: 'ferry_capture_eu_orders_source', replication: 'orders_move' },
      target: { capture: 'ferry_capture_eu_orders_target', reverse: 'orders_move_reverse' },
    });
    expect(slotNamesOn(slots, 'source')).toEqual(['ferry_capture_eu_orders_source', 'orders_move']);
    expect(slotNamesOn(undefined, 'target')).toEqual([]);
  });

  it('for DMS names the reverse slot the stack configures, and no forward slot (DMS names its own)', () => {
    expect(ferrySlotNames('orders', 'dms')).toEqual({
      source: { capture: 'ferry_capture_orders_source' },
      target: { capture: 'ferry_capture_orders_target', reverse: 'ferry_orders_reverse' },
    });
  });

  it('derives the default replication name the way the migration config does', () => {
    const migration = MigrationSchema.parse({ ...ORDERS, id: 'eu-orders' });

    expect(defaultReplicationName('eu-orders')).toBe(nativeReplicationName(migration));
  });

  it('refuses an id that cannot name a slot', () => {
    expect(() => ferrySlotNames('Orders!', 'native')).toThrow(RangeError);
  });
});
