import { describe, expect, it } from 'vitest';
import { sequences } from '../../../../lambdas/preflight/checks/sequences';
import { usePostgresPair } from '../../../helpers/database-pair';
import { contextOf, runCheck } from '../helpers';

describe('sequences', () => {
  const servers = usePostgresPair();

  it('is ok when no selected column takes values from a sequence', async () => {
    const pair = await servers.freshPair();
    await pair.sourceSql('create table tags (name text primary key); create table counters (id serial primary key)');

    const result = await runCheck(sequences, contextOf(pair, { selection: { include: ['public.tags'] } }));

    expect(result).toEqual({ id: 'sequences', severity: 'ok', message: 'No selected column takes its values from a sequence.', objects: [] });
  });

  it('is a warning listing identity, serial and nextval-default columns: values are synced at cutover', async () => {
    const pair = await servers.freshPair();
    await pair.sourceSql(`
      create schema billing;
      create sequence billing.invoice_numbers;
      create table orders (id bigint generated always as identity primary key, ref serial);
      create table billing.invoices (id int primary key, number bigint default nextval('billing.invoice_numbers'));`);

    const result = await runCheck(sequences, contextOf(pair));

    expect(result.severity).toBe('warning');
    expect(result.objects).toEqual(['billing.invoices.number', 'public.orders.id', 'public.orders.ref']);
    expect(result.message).toContain(
      '3 columns take values from sequences: billing.invoices.number (default, sequence billing.invoice_numbers), public.orders.id (identity, sequence public.orders_id_seq) and public.orders.ref (serial, sequence public.orders_ref_seq).',
    );
    expect(result.message).toContain('Nothing to do: the cutover sets every target sequence past the source value.');
  });
});
