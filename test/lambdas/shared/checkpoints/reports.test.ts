import { randomBytes, randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { TTL_ATTRIBUTE, type CheckpointStore, type StoredReport } from '../../../../lambdas/shared/checkpoints';
import { migrationPk } from '../../../../lambdas/shared/checkpoints/keys';
import { COMPARISON_SUMMARY_KIND, type ComparisonSummaryReport, type DriftReport } from '../../../../lambdas/shared/catalog/reports';
import { ReportTooLargeError } from '../../../../lambdas/shared/errors';
import { manualClock } from '../../../helpers/clock';
import { useDynalite } from '../../../helpers/dynalite';

const db = useDynalite();
const clock = manualClock();
let store: CheckpointStore;
let tableName: string;

beforeAll(async () => {
  tableName = await db.newTable();
  store = await db.newStore({ tableName, now: clock.now });
});

const newId = () => `m-${randomUUID()}`;
const DAY_S = 86_400;
/** The store keeps any JSON body: these tests write bodies of their own shape under catalogued kinds. */
const body = (value: object) => value as never;

async function storedItem(migrationId: string, sk: string) {
  const out = await db.client.send(new GetCommand({ TableName: tableName, Key: { pk: migrationPk(migrationId), sk } }));
  return out.Item;
}

describe('reports', () => {
  it(`sets the ${TTL_ATTRIBUTE} attribute to 30 days from now by default, in epoch seconds`, async () => {
    // Prepare
    const id = newId();

    // Act
    const receipt = await store.putReport(id, 'preflight', body({ ok: true }));

    // Assess
    const item = await storedItem(id, receipt.sk);
    expect(item?.[TTL_ATTRIBUTE]).toBe(Math.floor(clock.now() / 1000) + 30 * DAY_S);
    expect(receipt.ttl).toBe(item?.[TTL_ATTRIBUTE]);
  });

  it('honours a custom ttlDays', async () => {
    // Act
    const receipt = await store.putReport(newId(), 'drift', body({ drift: [] }), { ttlDays: 7 });

    // Assess
    expect(receipt.ttl).toBe(Math.floor(clock.now() / 1000) + 7 * DAY_S);
  });

  it('returns the latest report of a kind, and lists them newest first', async () => {
    // Prepare
    const id = newId();
    for (const run of [1, 2, 3]) {
      await store.putReport(id, 'comparison', body({ run }));
      await store.putReport(id, 'drift', body({ run: run * 100 }));
      clock.advance(1000);
    }

    // Act
    const latest = await store.latestReport<{ run: number }>(id, 'comparison');
    const listed = await store.listReports<{ run: number }>(id, 'comparison', 2);

    // Assess
    expect(latest).toMatchObject({ migrationId: id, kind: 'comparison', report: { run: 3 }, compressed: false });
    expect(listed.map((r) => r.report.run)).toEqual([3, 2]);
  });

  it('keeps two reports written in the same millisecond', async () => {
    // Prepare
    const id = newId();

    // Act
    await store.putReport(id, 'guardrails', body({ n: 1 }));
    await store.putReport(id, 'guardrails', body({ n: 2 }));

    // Assess
    expect(await store.listReports(id, 'guardrails', 10)).toHaveLength(2);
  });

  it('reads no latest report when none was stored', async () => {
    // Act
    const latest = await store.latestReport(newId(), 'comparison');

    // Assess
    expect(latest).toBeUndefined();
  });

  it('compresses a large report transparently and reads it back unchanged', async () => {
    // Prepare
    const id = newId();
    const differences = Array.from({ length: 5000 }, (_, i) => ({ table: 'public.orders', key: i, kind: 'changed' }));
    const report = { tables: 12, differences };

    // Act
    const receipt = await store.putReport(id, 'comparison', body(report));
    const latest = await store.latestReport(id, 'comparison');

    // Assess
    expect(Buffer.byteLength(JSON.stringify(report))).toBeGreaterThan(64 * 1024);
    expect(receipt.compressed).toBe(true);
    const item = await storedItem(id, receipt.sk);
    expect(item?.bodyGzip).toBeInstanceOf(Uint8Array);
    expect(item?.body).toBeUndefined();
    expect(latest).toMatchObject({ compressed: true });
    expect(latest?.report).toEqual(report);
  });

  it('refuses a report that is too large even when compressed', async () => {
    // Prepare: random bytes do not compress
    const report = { blob: randomBytes(400 * 1024).toString('base64') };

    // Act
    const attempt = store.putReport(newId(), 'comparison', body(report));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ReportTooLargeError);
    await expect(attempt).rejects.toMatchObject({ name: 'ReportTooLargeError', kind: 'comparison' });
  });

  it('types a report by its kind, with no type argument', async () => {
    // Act
    const summary = await store.latestReport(newId(), COMPARISON_SUMMARY_KIND);
    const drift = await store.listReports(newId(), 'drift');

    // Assess
    expectTypeOf(summary?.report).toEqualTypeOf<ComparisonSummaryReport | undefined>();
    expectTypeOf(drift).toEqualTypeOf<Array<StoredReport<DriftReport>>>();
    // @ts-expect-error: a kind missing from the catalogue
    await expect(store.listReports(newId(), 'cutover')).resolves.toEqual([]);
  });
});
