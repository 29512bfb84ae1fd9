import { describe, expect, it } from 'vitest';
import { sequences } from '../../../../../lambdas/shared/preflight/checks/sequences';
import { syncSequences } from '../../../../../lambdas/shared/cutover/sequences';
import { useFreshPairEachTest } from '../../../../helpers/database-pair';
import { contextOf, runCheck } from '../helpers';

/**
 * Sequences of every kind: identity and serial (owned), standalone ones a selected default calls,
 * one the patterns name, one a table that is not selected owns, one nothing selected names, and one
 * in a schema with no selected table.
 */
const SCHEMA = `
  create schema billing;
  create schema other;
  create sequence billing.invoice_numbers;
  create sequence billing.spare;
  create sequence public.ticket_no;
  create sequence public.loose;
  create sequence other.elsewhere;
  create table public.orders (id bigint generated always as identity primary key, ref serial, ticket bigint default nextval('public.ticket_no'));
  create table billing.invoices (id int primary key, number bigint default nextval('billing.invoice_numbers'));
  create table public.scratch (id serial primary key);`;

const SELECTION = { include: ['public.orders', 'billing.*'] };

describe('sequences', () => {
  const pair = useFreshPairEachTest();

  it('is ok when no selected column takes values from a sequence and the selected schemas hold none', async () => {
    await pair.sourceSql('create table tags (name text primary key); create schema other; create table other.counters (id serial primary key)');

    const result = await runCheck(sequences, contextOf(pair, { selection: { include: ['public.tags'] } }));

    expect(result).toEqual({
      id: 'sequences',
      severity: 'ok',
      message: 'No sequence to move at cutover: no selected column takes its values from one, and the selected schemas hold none.',
      objects: [],
    });
  });

  it('is a warning listing every sequence the cutover moves and every one of the selected schemas it leaves alone, each with why', async () => {
    await pair.sourceSql(SCHEMA);

    const result = await runCheck(sequences, contextOf(pair, { selection: SELECTION }));

    expect(result.severity).toBe('warning');
    expect(result.objects).toEqual([
      'billing.invoice_numbers',
      'billing.spare',
      'public.orders_id_seq',
      'public.orders_ref_seq',
      'public.ticket_no',
      'public.loose',
      'public.scratch_id_seq',
    ]);
    expect(result.message).toContain(
      "At cutover Ferry moves 5 sequences on the target past the source's values: billing.invoice_numbers (the default of billing.invoices.number calls it), " +
        'billing.spare (standalone, and the table selection matches its name), public.orders_id_seq (identity of public.orders.id), ' +
        'public.orders_ref_seq (owned by public.orders.ref) and public.ticket_no (the default of public.orders.ticket calls it).',
    );
    expect(result.message).toContain(
      "It leaves 2 sequences of the selected schemas alone: public.loose (standalone: the table selection does not match its name and no selected column's default calls it) " +
        "and public.scratch_id_seq (owned by public.scratch.id, whose table is not selected, and no selected column's default calls it).",
    );
    expect(result.message).toContain('do not insert rows on the target before cutover');
  });

  it("agrees exactly with what the cutover's sync-sequences step moves", async () => {
    // Prepare: the same schema on both sides, the source's sequences ahead
    await pair.bothSql(SCHEMA);
    await pair.sourceSql(`select nextval(s) from unnest(array['billing.invoice_numbers', 'billing.spare', 'public.ticket_no', 'public.loose', 'public.scratch_id_seq', 'other.elsewhere']) s;
      insert into public.orders default values`);

    // Act
    const result = await runCheck(sequences, contextOf(pair, { selection: SELECTION }));
    const synced = await syncSequences(pair.source, pair.target, SELECTION);

    // Assess
    const moved = synced.sequences.map((s) => s.sequence);
    expect(moved).toEqual(result.objects.slice(0, 5));
    expect(result.message).toContain(`moves ${moved.length} sequences`);
    expect(synced.sequences.filter((s) => s.action === 'moved').map((s) => s.sequence)).toEqual(moved);
  });
});
