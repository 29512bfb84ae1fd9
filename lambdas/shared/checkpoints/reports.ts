import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { ReportKind, ReportOf } from '../catalog/reports';
import { ReportTooLargeError } from '../errors';
import { putItem, queryPrefix, type StoreContext } from './context';
import { migrationPk, PARTITION_KEY, reportPrefix, reportSk, SORT_KEY, TTL_ATTRIBUTE } from './keys';

export const DEFAULT_REPORT_TTL_DAYS = 30;
/** Reports above this much JSON are stored gzip-compressed (they are mostly repetitive JSON). */
export const REPORT_COMPRESS_ABOVE_BYTES = 64 * 1024;
/** What fits in one item next to the other attributes (DynamoDB's limit is 400 KB). */
export const REPORT_LIMIT_BYTES = 380 * 1024;

export interface PutReportOptions {
  /** Days until DynamoDB deletes the report (via the `ttl` attribute). @default 30 */
  readonly ttlDays?: number;
}

export interface ReportReceipt {
  readonly sk: string;
  /** ISO-8601. */
  readonly createdAt: string;
  /** Epoch seconds. */
  readonly ttl: number;
  readonly compressed: boolean;
  /** Bytes stored for the body (compressed size if compressed). */
  readonly storedBytes: number;
}

export interface StoredReport<T = unknown> {
  readonly migrationId: string;
  readonly kind: string;
  readonly createdAt: string;
  readonly ttl: number;
  readonly compressed: boolean;
  readonly report: T;
}

interface ReportItem {
  readonly migrationId: string;
  readonly kind: string;
  readonly createdAt: string;
  readonly [TTL_ATTRIBUTE]: number;
  readonly body?: string;
  readonly bodyGzip?: Uint8Array;
}

/** Stores a report of a catalogued kind (lambdas/shared/catalog/reports.ts), its body typed by the kind. */
export async function putReport<K extends ReportKind>(
  ctx: StoreContext,
  migrationId: string,
  kind: K,
  report: ReportOf<K>,
  options: PutReportOptions = {},
): Promise<ReportReceipt> {
  const ttlDays = options.ttlDays ?? DEFAULT_REPORT_TTL_DAYS;
  if (!(ttlDays > 0)) throw new RangeError(`ttlDays must be positive, got ${ttlDays}`);
  const json = JSON.stringify(report);
  if (json === undefined) throw new TypeError(`the "${kind}" report has no JSON form`);

  const now = ctx.now();
  const createdAt = new Date(now);
  const ttl = Math.floor(now / 1000) + Math.round(ttlDays * 86_400);
  const raw = Buffer.from(json, 'utf8');
  const compressed = raw.byteLength > REPORT_COMPRESS_ABOVE_BYTES;
  const body = compressed ? gzipSync(raw) : raw;
  if (body.byteLength > REPORT_LIMIT_BYTES) {
    throw new ReportTooLargeError(migrationId, kind, body.byteLength, REPORT_LIMIT_BYTES);
  }

  const sk = reportSk(kind, createdAt, randomBytes(4).toString('hex'));
  const item: ReportItem = {
    migrationId,
    kind,
    createdAt: createdAt.toISOString(),
    [TTL_ATTRIBUTE]: ttl,
    ...(compressed ? { bodyGzip: new Uint8Array(body) } : { body: json }),
  };
  await putItem(ctx, { [PARTITION_KEY]: migrationPk(migrationId), [SORT_KEY]: sk, ...item });
  return { sk, createdAt: item.createdAt, ttl, compressed, storedBytes: body.byteLength };
}

/** The newest report of a kind, typed by the catalogue. */
export async function latestReport<K extends ReportKind>(ctx: StoreContext, migrationId: string, kind: K): Promise<StoredReport<ReportOf<K>> | undefined>;
/** A view of the newest report of a kind as `T` (tests reading a part of it); runtime code takes the catalogue's type. */
export async function latestReport<T>(ctx: StoreContext, migrationId: string, kind: ReportKind): Promise<StoredReport<T> | undefined>;
export async function latestReport(ctx: StoreContext, migrationId: string, kind: ReportKind): Promise<StoredReport | undefined> {
  const [latest] = await listReports(ctx, migrationId, kind, 1);
  return latest;
}

/** Newest first, typed by the catalogue. */
export async function listReports<K extends ReportKind>(ctx: StoreContext, migrationId: string, kind: K, limit?: number): Promise<StoredReport<ReportOf<K>>[]>;
/** A view of the reports of a kind as `T` (tests reading a part of them); runtime code takes the catalogue's type. */
export async function listReports<T>(ctx: StoreContext, migrationId: string, kind: ReportKind, limit?: number): Promise<StoredReport<T>[]>;
export async function listReports(ctx: StoreContext, migrationId: string, kind: ReportKind, limit = 20): Promise<StoredReport[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  // A Query page also ends at 1 MB, which a few compressed reports can reach before `limit`.
  const items = await queryPrefix(ctx, {
    pk: migrationPk(migrationId),
    prefix: reportPrefix(kind),
    pageSize: limit,
    limit,
    descending: true,
  });
  return items.map((item) => decode(migrationId, item as unknown as ReportItem));
}

function decode(migrationId: string, item: ReportItem): StoredReport {
  const compressed = item.bodyGzip !== undefined;
  const json = compressed ? gunzipSync(item.bodyGzip as Uint8Array).toString('utf8') : (item.body ?? 'null');
  return {
    migrationId,
    kind: item.kind,
    createdAt: item.createdAt,
    ttl: item[TTL_ATTRIBUTE],
    compressed,
    report: JSON.parse(json) as unknown,
  };
}
