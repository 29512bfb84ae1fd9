import { describe, expect, it } from 'vitest';
import { indexesReady } from '../../../lambdas/guardrails/indexes';
import { MigrationSchema } from '../../../lambdas/shared/migration-config';
import { usePostgresPair } from '../../helpers/database-pair';
import { ORDERS } from '../../helpers/migrations';

const migration = MigrationSchema.parse({ ...ORDERS, tables: { include: ['public.*'], exclude: ['public.scratch'] } });

/** The indexes-ready guardrail on two real servers: by table and definition, whatever the names. */
describe('the indexes-ready guardrail', () => {
  const servers = usePostgresPair();

  it('passes when every index of the selected tables exists on the target, under any name', async () => {
    const pair = await servers.freshPair();
    await pair.bothSql('create table items (id int primary key, price numeric, code text); create table scratch (id int)');
    await pair.sourceSql('create index items_price on items (price); create index scratch_id on scratch (id)');
    await pair.targetSql('create index items_price_renamed on items (price)');

    const r = await indexesReady(migration, pair);

    expect(r).toEqual({ passed: true, message: 'all 1 index(es) of the selected tables on the source exist on the target and are valid' });
  });

  it('fails naming an index missing on the target, and one left invalid by a failed concurrent build', async () => {
    const pair = await servers.freshPair();
    await pair.bothSql('create table items (id int primary key, price numeric, code text)');
    await pair.sourceSql('create index items_price on items (price); create unique index items_code on items (code)');
    await pair.targetSql(`insert into items values (1, 1, 'same'), (2, 2, 'same')`);
    await pair.targetSql('create unique index concurrently items_code on items (code)').catch(() => undefined);

    const r = await indexesReady(migration, pair);

    expect(r.passed).toBe(false);
    expect(r.message).toContain('1 index(es) of the source are missing on the target: public.items_price on items (CREATE INDEX ON public.items USING btree (price))');
    expect(r.message).toContain('1 index(es) on the target are invalid (a failed CREATE INDEX CONCURRENTLY leaves one; REINDEX it): public.items_code on items');
  });
});
