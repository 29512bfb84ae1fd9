import { describe, expect, it } from 'vitest';
import { compileSelection, type TableSelection } from '../../../../lambdas/shared/compare/table-patterns';
import { MARKER_TABLE } from '../../../../lambdas/shared/cutover/marker';
import { DMS_MARKER_TABLE, dmsTableMappings, TableMappingError, type DmsTableMappings } from '../../../../lib/constructs/dms/table-mappings';

/**
 * DMS's object-locator matching as its user guide describes it ("Wildcards in table mapping"):
 * `%` any run, `_` one character, `[...]` a set or range; case-sensitive; an exclude rule wins.
 */
function dmsLike(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '%') source += '.*';
    else if (char === '_') source += '.';
    else if (char === '[') {
      const end = pattern.indexOf(']', i + 1);
      source += `[${pattern.slice(i + 1, end).replace(/[\\^]/g, '\\$&')}]`;
      i = end;
    } else source += char.replace(/[\\^$+.()|{}*?]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

/** The rule every mapping ends with: Ferry's cutover marker table, by exact name. */
const markerRule = (id: number) => ({
  'rule-type': 'selection',
  'rule-id': String(id),
  'rule-name': `ferrymarker${id}`,
  'object-locator': { 'schema-name': 'ferry', 'table-name': 'cutover_marker' },
  'rule-action': 'explicit',
});

function dmsSelects(mappings: DmsTableMappings, schema: string, name: string): boolean {
  const matching = mappings.rules.filter(
    (r) => dmsLike(r['object-locator']['schema-name']).test(schema) && dmsLike(r['object-locator']['table-name']).test(name),
  );
  return matching.some((r) => r['rule-action'] !== 'exclude') && !matching.some((r) => r['rule-action'] === 'exclude');
}

const TABLES = [
  ['public', 'orders'],
  ['public', 'order_items'],
  ['public', 'orderXitems'],
  ['public', 'Orders'],
  ['public', 'session_1'],
  ['public', 'sessions'],
  ['public', 'session'],
  ['public', 'tmp_a'],
  ['public', 'tmpXa'],
  ['billing', 'invoices'],
  ['billing', 'invoice_2024'],
  ['billing_archive', 'invoices'],
  ['billingXarchive', 'invoices'],
  ['Billing', 'invoices'],
  ['audit', 'a'],
  ['audit', 'ab'],
  ['audit', 'abc'],
  ['audit', ''],
] as const;

describe('dmsTableMappings', () => {
  it('turns * into %, ? into _, and a literal _ into [_], keeping case', () => {
    // GIVEN patterns with each wildcard and a literal underscore
    const tables = { include: ['public.order_*', 'Billing.inv??ce'], exclude: ['*.tmp_*'] };
    // WHEN
    const mappings = dmsTableMappings('orders', tables);
    // THEN
    expect(mappings.rules.map((r) => r['object-locator'])).toEqual([
      { 'schema-name': 'public', 'table-name': 'order[_]%' },
      { 'schema-name': 'Billing', 'table-name': 'inv__ce' },
      { 'schema-name': '%', 'table-name': 'tmp[_]%' },
      { 'schema-name': 'ferry', 'table-name': 'cutover_marker' },
    ]);
  });

  it('lists every include rule before every exclude rule, with unique ids and names', () => {
    // GIVEN two includes and an exclude
    // WHEN
    const mappings = dmsTableMappings('orders', { include: ['public.*', 'billing.*'], exclude: ['public.session_*'] });
    // THEN
    expect(mappings.rules).toEqual([
      {
        'rule-type': 'selection',
        'rule-id': '1',
        'rule-name': 'include1',
        'object-locator': { 'schema-name': 'public', 'table-name': '%' },
        'rule-action': 'include',
      },
      {
        'rule-type': 'selection',
        'rule-id': '2',
        'rule-name': 'include2',
        'object-locator': { 'schema-name': 'billing', 'table-name': '%' },
        'rule-action': 'include',
      },
      {
        'rule-type': 'selection',
        'rule-id': '3',
        'rule-name': 'exclude3',
        'object-locator': { 'schema-name': 'public', 'table-name': 'session[_]%' },
        'rule-action': 'exclude',
      },
      markerRule(4),
    ]);
  });

  it.each<[string, TableSelection]>([
    ['everything in public', { include: ['public.*'] }],
    ['the cdk.json prod selection', { include: ['public.*', 'billing.*'], exclude: ['public.session_*'] }],
    ['a literal underscore in a schema name', { include: ['billing_archive.*'] }],
    ['single-character wildcards', { include: ['audit.a?', 'public.order?items'] }],
    ['an exclude that overlaps two includes', { include: ['*.*', 'public.orders'], exclude: ['public.order*', '*.tmp_?'] }],
    ['case-sensitive names', { include: ['Billing.*', 'public.Orders'] }],
  ])('selects exactly the tables Ferry selects: %s', (_name, selection) => {
    // GIVEN the selection as DMS rules and as Ferry's own matcher
    const mappings = dmsTableMappings('orders', { include: selection.include, exclude: selection.exclude ?? [] });
    const ferrySelects = compileSelection(selection);
    // THEN both pick the same tables, and DMS the marker table too, which Ferry never compares
    for (const [schema, name] of TABLES) {
      expect(dmsSelects(mappings, schema, name), `${schema}.${name}`).toBe(ferrySelects({ schema, name }));
    }
    expect(dmsSelects(mappings, 'ferry', 'cutover_marker')).toBe(true);
    expect(ferrySelects(MARKER_TABLE)).toBe(false);
  });

  it("ends with an explicit rule for Ferry's cutover marker table, for both directions (one mapping serves both tasks)", () => {
    // WHEN
    // GIVEN all of public
    const mappings = dmsTableMappings('orders', { include: ['public.*'] });
    // THEN
    expect(mappings.rules.at(-1)).toEqual(markerRule(2));
    expect(DMS_MARKER_TABLE).toEqual({ 'schema-name': MARKER_TABLE.schema, 'table-name': MARKER_TABLE.name });
  });

  it('refuses an exclude pattern that would exclude the marker table (DMS lets an exclude win)', () => {
    // GIVEN an exclude pattern that matches ferry.cutover_marker, and two that only come close
    // WHEN / THEN the first is refused, the others are not
    expect(() => dmsTableMappings('orders', { include: ['*.*'], exclude: ['public.tmp_*', '*.cutover_*'] })).toThrow(
      new TableMappingError(
        "migration 'orders': tables.exclude[1]: '*.cutover_*' matches Ferry's cutover marker table ferry.cutover_marker, which DMS must " +
          "replicate (Ferry's own schema is never compared anyway); narrow the pattern",
      ),
    );
    expect(() => dmsTableMappings('orders', { include: ['*.*'], exclude: ['ferry?.*', 'ferry.cutover_marker?'] })).not.toThrow();
  });

  it('refuses a literal % (a DMS wildcard with no escape), naming migration, field and pattern', () => {
    // GIVEN a pattern with a literal %
    // WHEN / THEN it is refused, naming migration, field and pattern
    expect(() => dmsTableMappings('orders', { include: ['public.*', 'public.growth_100%'] })).toThrow(
      new TableMappingError(
        "migration 'orders': tables.include[1]: 'public.growth_100%' cannot be expressed as a DMS table mapping: DMS reads '%' as a wildcard and has no escape for it",
      ),
    );
  });

  it('refuses brackets in an exclude pattern, which DMS reads as a character set', () => {
    // GIVEN an exclude pattern with brackets
    // WHEN / THEN it is refused
    expect(() => dmsTableMappings('catalog', { include: ['public.*'], exclude: ['public.[old]*'] })).toThrow(
      "migration 'catalog': tables.exclude[0]: 'public.[old]*' cannot be expressed as a DMS table mapping: DMS reads '[' as the start of a character set and has no escape for it",
    );
  });

  it('refuses a pattern that is not schema.table', () => {
    // GIVEN a pattern without a schema
    // WHEN / THEN it is refused, saying what a pattern looks like
    expect(() => dmsTableMappings('orders', { include: ['orders'] })).toThrow(
      "migration 'orders': tables.include[0]: 'orders' must be 'schema.table' (wildcards * and ? allowed)",
    );
  });
});
