import { describe, expect, it } from 'vitest';
import { replicaIdentity } from '../../../../../lambdas/shared/preflight/checks/replica-identity';
import { useFreshPairEachTest } from '../../../../helpers/database-pair';
import { contextOf, runCheck } from '../helpers';

describe('replica-identity', () => {
  const pair = useFreshPairEachTest();

  it('is ok when every selected table has a primary key or a replica identity index', async () => {
    await pair.sourceSql(`
      create table orders (id bigint primary key, total numeric);
      create table tokens (token text not null, owner int);
      create unique index tokens_token on tokens (token);
      alter table tokens replica identity using index tokens_token;
      create table events (id bigint, at date, primary key (id, at)) partition by range (at);
      create table events_2026 partition of events for values from ('2026-01-01') to ('2027-01-01');`);

    const result = await runCheck(replicaIdentity, contextOf(pair));

    expect(result).toEqual({ id: 'replica-identity', severity: 'ok', message: 'All 3 selected tables have a primary key or a usable replica identity.', objects: [] });
  });

  it('is an error naming tables without a primary key or with REPLICA IDENTITY NOTHING, and a warning for FULL', async () => {
    await pair.sourceSql(`
      create table orders (id bigint primary key);
      create table clicks (at timestamptz, url text);
      create table sessions (id bigint primary key);
      alter table sessions replica identity nothing;
      create table audit (at timestamptz, what text);
      alter table audit replica identity full;
      create table metrics (day date, value int) partition by range (day);
      create table metrics_2026 partition of metrics for values from ('2026-01-01') to ('2027-01-01');`);

    const result = await runCheck(replicaIdentity, contextOf(pair));

    expect(result.severity).toBe('error');
    expect(result.objects).toEqual(['public.clicks', 'public.metrics_2026', 'public.sessions', 'public.audit']);
    expect(result.message).toContain(
      '3 tables cannot replicate updates and deletes: public.clicks (no primary key), public.metrics_2026 (no primary key) and public.sessions (REPLICA IDENTITY NOTHING).',
    );
    expect(result.message).toContain('every UPDATE and DELETE on them fails on the source');
    expect(result.message).toContain('1 table uses REPLICA IDENTITY FULL: public.audit.');
  });

  it('for DMS, is an error for a table without a primary key even with REPLICA IDENTITY FULL', async () => {
    await pair.sourceSql('create table audit (at timestamptz, what text); alter table audit replica identity full');

    const native = await runCheck(replicaIdentity, contextOf(pair));
    const dms = await runCheck(replicaIdentity, contextOf(pair, { engine: 'dms' }));

    expect(native.severity).toBe('warning');
    expect(dms).toMatchObject({ severity: 'error', objects: ['public.audit'] });
    expect(dms.message).toContain('public.audit (no primary key (REPLICA IDENTITY FULL is not enough for DMS))');
    expect(dms.message).toContain('AWS DMS would silently skip their UPDATEs and DELETEs');
  });
});
