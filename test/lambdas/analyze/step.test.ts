import { describe, expect, it } from 'vitest';
import { analyzeStep } from '../../../lambdas/analyze/step';
import { useFreshPairEachTest } from '../../helpers/database-pair';
import { useDynalite } from '../../helpers/dynalite';
import { localRuntime } from '../../../local/runtime';
import { migrateHarness } from '../../statemachines/migrate.fixture';

const LITE_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:lite-AbCdEf';

/** ANALYZE on the target, against a real server: statistics exist afterwards, for every selected table and no other. */
describe('analyze step', () => {
  const pair = useFreshPairEachTest();
  const dynamo = useDynalite();

  const statisticsOf = async (sql: (q: string) => Promise<{ rows: unknown[] }>) =>
    (await sql(`select relname::text as name, coalesce(last_analyze, last_autoanalyze) is not null as analyzed from pg_stat_user_tables order by 1`)).rows;

  it('gives the planner statistics on every selected table of the target, leaving the others alone', async () => {
    await pair.targetSql(`
      create table "Orders" (id bigint primary key, note text);
      insert into "Orders" select i, 'n' || i from generate_series(1, 5000) i;
      create schema other; create table other.cold (id int);`);
    const m = await migrateHarness(pair, dynamo, 'analyze-1', { config: { tables: { include: ['public.*'] } } });

    const output = await analyzeStep({ migrationId: m.migrationId, when: 'after-full-load' }, m.runtime);

    expect(output).toMatchObject({ when: 'after-full-load', analyzed: 1, skipped: [] });
    expect(await statisticsOf(pair.targetSql)).toEqual([
      { name: 'Orders', analyzed: true },
      { name: 'cold', analyzed: false },
    ]);
    const [stats] = (await pair.targetSql(`select reltuples::bigint as rows from pg_class where relname = 'Orders'`)).rows as [{ rows: string }];
    expect(Number(stats.rows)).toBe(5000);
  });

  it('leaves what does not fit in its time to autovacuum and says which tables, instead of failing', async () => {
    await pair.targetSql(`create table a (id int); create table b (id int);`);
    const m = await migrateHarness(pair, dynamo, 'analyze-2');

    const output = await analyzeStep({ migrationId: m.migrationId, when: 'before-freeze' }, m.runtime, 0);

    expect(output).toMatchObject({ analyzed: 0, skipped: ['public.a (out of time)', 'public.b (out of time)'] });
  });

  it("names the tables Ferry's role may not ANALYZE instead of counting them, since ANALYZE only warns and skips them", async () => {
    await pair.targetSql(`
      do $$ begin create role analyze_lite login password 'lite'; exception when duplicate_object then null; end $$;
      grant usage on schema public to analyze_lite;
      create table mine (id int); create table theirs (id int);
      alter table mine owner to analyze_lite;
      grant select on theirs to analyze_lite;`);
    const m = await migrateHarness(pair, dynamo, 'analyze-4');
    const target = new URL(pair.targetUrl);
    const lite = localRuntime({
      store: m.runtime.store,
      migrations: [{ ...m.runtime.migration(m.migrationId), target: { ...m.runtime.migration(m.migrationId).target, secretArn: LITE_SECRET } }],
      secrets: { [LITE_SECRET]: { username: 'analyze_lite', password: 'lite' }, [m.runtime.migration(m.migrationId).source.secretArn]: { username: decodeURIComponent(target.username), password: decodeURIComponent(target.password) } },
    });

    const output = await analyzeStep({ migrationId: m.migrationId, when: 'before-freeze' }, lite);

    expect(output).toMatchObject({ analyzed: 1, skipped: [expect.stringMatching(/^public\.theirs \(Ferry's role may not ANALYZE it/)] });
  });

  it('names the field of a bad input and touches nothing', async () => {
    const m = await migrateHarness(pair, dynamo, 'analyze-3');

    await expect(analyzeStep({ migrationId: m.migrationId, when: 'now' }, m.runtime)).rejects.toThrow(/when/);
  });
});
