import { describe, expect, it } from 'vitest';
import { diffSchemas, type SchemaSnapshot, type SequenceSnapshot, type TableSnapshot } from '../../../../../lambdas/shared/compare/schema';

/** A snapshot with nothing in it but what a test puts there. */
function snapshot(parts: Partial<SchemaSnapshot> = {}): SchemaSnapshot {
  return {
    formatVersion: 1,
    serverVersion: '17.10',
    serverVersionNum: 170010,
    selection: null,
    tables: [],
    indexes: [],
    triggers: [],
    sequences: [],
    enums: [],
    extensions: [],
    views: [],
    ...parts,
  };
}

const ORDERS: TableSnapshot = {
  schema: 'public',
  name: 'orders',
  columns: [
    { name: 'id', position: 1, type: 'integer', notNull: true, default: "nextval('public.orders_id_seq'::regclass)", identity: null, generated: null, collation: null },
  ],
  constraints: [],
};

function sequence(parts: Partial<SequenceSnapshot>): SequenceSnapshot {
  return {
    schema: 'public',
    name: 'orders_id_seq',
    dataType: 'integer',
    start: '1',
    increment: '1',
    min: '1',
    max: '2147483647',
    cache: '1',
    cycle: false,
    ownedBy: { schema: 'public', table: 'orders', column: 'id' },
    identity: false,
    lastValue: null,
    ...parts,
  };
}

describe('diffSchemas rules', () => {
  it('reports a missing table once, not again for its index, trigger and owned sequence', () => {
    // Prepare
    const source = snapshot({
      tables: [ORDERS],
      indexes: [{ schema: 'public', name: 'orders_x', table: 'orders', definition: 'CREATE INDEX ON public.orders USING btree (id)', unique: false, valid: true }],
      triggers: [{ schema: 'public', table: 'orders', name: 'audit', definition: 'CREATE TRIGGER ...', enabled: 'origin' }],
      sequences: [sequence({})],
    });

    // Act
    const differences = diffSchemas(source, snapshot());

    // Assess
    expect(differences.map((d) => [d.kind, d.object])).toEqual([['table-missing', 'table public.orders']]);
  });

  it('reports a descending sequence whose target has not come as far down as sequence-behind', () => {
    // Prepare
    const descending = { name: 'countdown', ownedBy: null, increment: '-1', start: '100', min: '1', max: '100' };
    const source = snapshot({ sequences: [sequence({ ...descending, lastValue: '90' })] });
    const target = snapshot({ sequences: [sequence({ ...descending, lastValue: '95' })] });

    // Act
    const differences = diffSchemas(source, target);

    // Assess
    expect(differences).toEqual([
      {
        kind: 'sequence-behind',
        object: 'sequence public.countdown',
        source: '90',
        target: '95',
        severity: 'warning',
        detail: "the target's next value 94 trails the source's 89 by 5",
      },
    ]);
  });

  it('does not report a target sequence that is ahead of the source', () => {
    // Prepare
    const source = snapshot({ tables: [ORDERS], sequences: [sequence({ lastValue: '10' })] });
    const target = snapshot({ tables: [ORDERS], sequences: [sequence({ lastValue: '50' })] });

    // Act
    const differences = diffSchemas(source, target);

    // Assess
    expect(differences).toEqual([]);
  });

  it('leaves out the kinds the caller ignores', () => {
    // Prepare
    const source = snapshot({ tables: [ORDERS], sequences: [sequence({ lastValue: '10' })] });
    const target = snapshot({ tables: [ORDERS], sequences: [sequence({ lastValue: null })], extensions: [{ name: 'citext', version: '1.6', schema: 'public' }] });

    // Act
    const differences = diffSchemas(source, target, { ignore: ['sequence-behind'] });

    // Assess
    expect(differences.map((d) => d.kind)).toEqual(['extension-extra']);
  });

  it('sorts differences by object, then kind, whatever order they were found in', () => {
    // Prepare
    const source = snapshot({
      enums: [{ schema: 'public', name: 'b', labels: ['x'] }],
      extensions: [{ name: 'a', version: '1', schema: 'public' }],
      views: [{ schema: 'public', name: 'c', materialized: false, definition: 'SELECT 1' }],
    });

    // Act
    const differences = diffSchemas(source, snapshot());

    // Assess
    expect(differences.map((d) => d.object)).toEqual(['enum public.b', 'extension a', 'view public.c']);
  });

  it('reports two index names swapped between identical indexes as two renames', () => {
    // Prepare
    const index = (name: string, column: string) => ({
      schema: 'public',
      name,
      table: 'orders',
      definition: `CREATE INDEX ON public.orders USING btree (${column})`,
      unique: false,
      valid: true,
    });
    const source = snapshot({ tables: [ORDERS], indexes: [index('by_a', 'a'), index('by_b', 'b')] });
    const target = snapshot({ tables: [ORDERS], indexes: [index('by_a', 'b'), index('by_b', 'a')] });

    // Act
    const differences = diffSchemas(source, target);

    // Assess
    expect(differences).toEqual([
      { kind: 'index-renamed', object: 'index public.by_a', source: 'by_a', target: 'by_b', severity: 'info' },
      { kind: 'index-renamed', object: 'index public.by_b', source: 'by_b', target: 'by_a', severity: 'info' },
    ]);
  });

  it('refuses a snapshot of another format, naming the side and both formats', () => {
    // Prepare
    const stored = { ...snapshot(), formatVersion: 2 } as unknown as SchemaSnapshot;

    // Act
    const act = () => diffSchemas(snapshot(), stored);

    // Assess
    expect(act).toThrow('the target schema snapshot has format 2; this version of Ferry reads format 1');
  });
});
