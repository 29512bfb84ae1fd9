import { describe, expect, it } from 'vitest';
import { compileSelection, selectTables, type TableSelection } from '../../../../lambdas/shared/compare/table-patterns';

const t = (schema: string, name: string) => ({ schema, name });

describe('table selection by patterns', () => {
  it('selects by schema.table patterns with * and ?, and excludes', () => {
    // Prepare
    const selection: TableSelection = { include: ['public.*', 'sales.order?'], exclude: ['public.audit*'] };
    const tables = [t('public', 'orders'), t('public', 'audit_log'), t('sales', 'orders'), t('sales', 'order1'), t('other', 'x')];

    // Act
    const selected = selectTables(tables, selection);

    // Assess
    expect(selected).toEqual([t('public', 'orders'), t('sales', 'order1'), t('sales', 'orders')]);
  });

  it("never selects Ferry's own schema, even with *.* or by naming a table of it", () => {
    // Prepare
    const everything = compileSelection({ include: ['*.*'] });
    const named = compileSelection({ include: ['ferry.*'], only: [t('ferry', 'cutover_marker')] });

    // Act / Assess
    expect(everything(t('ferry', 'cutover_marker'))).toBe(false);
    expect(named(t('ferry', 'cutover_marker'))).toBe(false);
    expect(everything(t('Ferry', 'cutover_marker'))).toBe(true);
    expect(everything(t('ferry_app', 'x'))).toBe(true);
  });

  it("never selects AWS DMS's own control and audit tables, in any schema, while a table merely containing the word is selected", () => {
    const everything = compileSelection({ include: ['*.*'] });

    expect(everything(t('public', 'awsdms_apply_exceptions'))).toBe(false);
    expect(everything(t('awsdms_control', 'awsdms_status'))).toBe(false);
    expect(everything(t('public', 'AWSDMS_DDL_AUDIT'))).toBe(false);
    expect(everything(t('public', 'my_awsdms_notes'))).toBe(true);
  });

  it('does not let a dot inside a name make another split of schema and table match', () => {
    // Prepare
    const matches = compileSelection({ include: ['a.b*'] });

    // Act / Assess
    expect(matches(t('a', 'b.c'))).toBe(true);
    expect(matches(t('a.b', 'c'))).toBe(false);
  });
});

describe('table selection by exact names (only)', () => {
  const odd = [t('public', 'my.table*'), t('public', 'my_table_x'), t('public', 'my.tableX'), t('my schema', 'what?'), t('my schema', 'whatX')];

  it('selects exactly the named table, even when its name holds dots, spaces, * or ?', () => {
    // Prepare
    const selection: TableSelection = { include: ['*.*'], only: [t('public', 'my.table*')] };

    // Act
    const selected = selectTables(odd, selection);

    // Assess
    expect(selected).toEqual([t('public', 'my.table*')]);
    expect(selectTables(odd, { include: ['*.*'], only: [t('my schema', 'what?')] })).toEqual([t('my schema', 'what?')]);
  });

  it('still honours the patterns: an excluded or not included table is not selected by naming it', () => {
    // Prepare
    const excluded: TableSelection = { include: ['public.*'], exclude: ['public.my*'], only: [t('public', 'my.table*')] };
    const notIncluded: TableSelection = { include: ['sales.*'], only: [t('public', 'my.table*')] };

    // Act / Assess
    expect(selectTables(odd, excluded)).toEqual([]);
    expect(selectTables(odd, notIncluded)).toEqual([]);
  });

  it('matches schema and name separately and case-sensitively', () => {
    // Prepare
    const matches = compileSelection({ include: ['*.*'], only: [t('a.b', 'c')] });

    // Act / Assess
    expect(matches(t('a.b', 'c'))).toBe(true);
    expect(matches(t('a', 'b.c'))).toBe(false);
    expect(matches(t('A.b', 'c'))).toBe(false);
  });

  it('selects nothing with an empty list, and everything the patterns select without one', () => {
    // Act / Assess
    expect(selectTables(odd, { include: ['*.*'], only: [] })).toEqual([]);
    expect(selectTables(odd, { include: ['*.*'] })).toHaveLength(odd.length);
  });
});
