import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { COMPARISON_SUMMARY_KIND, type ComparisonSummaryReport } from '../../../lambdas/shared/comparison/summary';
import { GUARDRAILS, type GuardrailFacts, type GuardrailResult } from '../../../lambdas/guardrails/checks';
import type { MigrationState, Phase, StoredReport, VerificationRecord } from '../../../lambdas/shared/checkpoints';
import { MigrationSchema, type MigrationConfigInput } from '../../../lambdas/shared/migration-config';
import { Database } from '../../../lambdas/shared/pg/connection';
import { ReplicationLagUnknownError, type ReplicationStatus } from '../../../lambdas/shared/replication/engine';
import { MemorySwitch } from '../../../lambdas/shared/switch/switch';
import { ORDERS as OFFLINE_ORDERS } from '../../helpers/migrations';
import { usePostgres } from '../../helpers/postgres';
import { ScriptedEngine } from '../../helpers/scripted-engine';

const ORDERS: MigrationConfigInput = {
  ...OFFLINE_ORDERS,
  thresholds: { maxLagSecondsForCutover: 5, maxWriteFreezeSeconds: 1 },
  verification: { maxAgeSeconds: 300 },
};
const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
const MINUTE = 60_000;
const CDC: ReplicationStatus = { state: 'cdc', tables: [{ table: 'public.orders', state: 'loaded' }] };

/** A source the checks that do not read it may hold; the one that does gets a real server below. */
const UNUSED_SOURCE = { label: 'source database', query: async () => [] } as unknown as Database;
const UNUSED_TARGET = { label: 'target database', query: async () => [] } as unknown as Database;

function state(phase: Phase): MigrationState {
  const at = new Date(NOW - 10 * MINUTE).toISOString();
  return { migrationId: 'orders', phase, version: 3, createdAt: at, updatedAt: at, reason: 'test', history: [] };
}

function comparison(equal: boolean, minutesAgo: number): StoredReport<ComparisonSummaryReport> {
  const completedAt = new Date(NOW - minutesAgo * MINUTE).toISOString();
  return {
    migrationId: 'orders',
    kind: COMPARISON_SUMMARY_KIND,
    createdAt: completedAt,
    ttl: 0,
    compressed: false,
    report: { runId: 'run-7', equal, startedAt: completedAt, completedAt, judgedAt: completedAt, tables: [], rowsCompared: 1200 },
  };
}

/** A capture that began 30 minutes ago, a passed full comparison under it, and rounds since. */
function verification(overrides: Partial<VerificationRecord> = {}): VerificationRecord {
  return {
    migrationId: 'orders',
    captureId: 'c1',
    runId: 'run-7',
    status: 'capturing',
    startedAt: NOW - 30 * MINUTE,
    slots: { source: { name: 'ferry_capture_orders_source', startLsn: '0/1' }, target: { name: 'ferry_capture_orders_target', startLsn: '0/1' } },
    fullComparison: { runId: 'run-7:c1', startedAt: NOW - 29 * MINUTE, finishedAt: NOW - 20 * MINUTE, equal: true },
    verifiedThrough: { source: '0/5', target: '0/6', at: NOW - 45_000 },
    unresolved: [],
    tablesToCompare: [],
    rounds: 20,
    ...overrides,
  };
}

function facts(overrides: Partial<GuardrailFacts> = {}): GuardrailFacts {
  const migration = MigrationSchema.parse(ORDERS);
  return {
    migration,
    state: state('ready'),
    comparison: comparison(true, 10),
    verification: verification(),
    now: NOW,
    source: UNUSED_SOURCE,
    target: UNUSED_TARGET,
    engine: new ScriptedEngine({ status: CDC, lag: { seconds: 1.25, bytes: 512 } }),
    openSwitch: async () => new MemorySwitch(migration),
    ...overrides,
  };
}

function check(id: string, f: GuardrailFacts): Promise<GuardrailResult> {
  const found = GUARDRAILS.find(([name]) => name === id);
  if (found === undefined) throw new Error(`no guardrail "${id}"`);
  return found[1](f);
}

describe('guardrails', () => {
  it('are reported in a fixed order, each under its own id', async () => {
    // Act (those that read the databases are tested on real servers)
    const readsDatabases = ['long-running-transactions', 'indexes-ready', 'roles-ready'];
    const results = await Promise.all(GUARDRAILS.filter(([id]) => !readsDatabases.includes(id)).map(([, g]) => g(facts())));

    // Assess
    expect(GUARDRAILS.map(([id]) => id)).toEqual([
      'phase-ready',
      'comparison-passed',
      'verification-current',
      'replication-healthy',
      'replication-lag',
      'long-running-transactions',
      'indexes-ready',
      'roles-ready',
      'switch-ready',
    ]);
    expect(results.map((r) => r.id)).toEqual(['phase-ready', 'comparison-passed', 'verification-current', 'replication-healthy', 'replication-lag', 'switch-ready']);
  });

  describe('phase-ready', () => {
    it('passes in phase ready', async () => {
      // Act
      const r = await check('phase-ready', facts());

      // Assess
      expect(r).toEqual({ id: 'phase-ready', passed: true, message: 'the migration is in phase "ready"' });
    });

    it('fails in any other phase, saying to run the migrate workflow', async () => {
      // Act
      const replicating = await check('phase-ready', facts({ state: state('replicating') }));
      const none = await check('phase-ready', facts({ state: undefined }));

      // Assess
      expect(replicating).toEqual({
        id: 'phase-ready',
        passed: false,
        message: 'the migration is in phase "replicating"; run the migrate workflow until it reports "ready"',
      });
      expect(none).toMatchObject({ passed: false, message: expect.stringContaining('phase "new"') });
    });
  });

  describe('comparison-passed', () => {
    it('passes when the last comparison found every table equal, naming its run', async () => {
      // Act
      const r = await check('comparison-passed', facts());

      // Assess
      expect(r).toEqual({ id: 'comparison-passed', passed: true, message: 'every table compared equal (run run-7, finished 2030-01-01T11:50:00.000Z, 10.0 minutes ago)' });
    });

    it('fails when the last comparison found differences', async () => {
      // Act
      const r = await check('comparison-passed', facts({ comparison: comparison(false, 10) }));

      // Assess
      expect(r).toEqual({ id: 'comparison-passed', passed: false, message: 'the last comparison found differences (run run-7, finished 2030-01-01T11:50:00.000Z, 10.0 minutes ago)' });
    });

    it('fails when there is no comparison at all', async () => {
      // Act
      const r = await check('comparison-passed', facts({ comparison: undefined }));

      // Assess
      expect(r).toEqual({ id: 'comparison-passed', passed: false, message: 'no comparison-summary report: run the migrate workflow' });
    });
  });

  describe('verification-current', () => {
    const unresolved = (status: 'suspect' | 'difference') => ({
      table: 'public.orders', key: ['42'], status, kind: 'changed' as const, columns: ['total'], firstSeenAt: NOW - MINUTE, lastSeenAt: NOW - MINUTE,
    });

    it('passes when a full comparison ran under the capture and every change up to a recent position is verified', async () => {
      const r = await check('verification-current', facts());

      expect(r).toEqual({
        id: 'verification-current',
        passed: true,
        message: 'every change up to 45 s ago is verified (at most 300 s; full comparison finished 20.0 minutes ago, 20 rounds since capture began)',
      });
    });

    it('passes with rows that were still moving, and says the frozen check compares them', async () => {
      const r = await check('verification-current', facts({ verification: verification({ unresolved: [unresolved('suspect')] }) }));

      expect(r.passed).toBe(true);
      expect(r.message).toContain('1 row(s) changed again while compared and are checked with writes frozen');
    });

    it('fails while a row is proven different, naming it', async () => {
      const r = await check('verification-current', facts({ verification: verification({ unresolved: [unresolved('difference')] }) }));

      expect(r).toEqual({ id: 'verification-current', passed: false, message: "1 row(s) differ after replication caught up: public.orders (42) (see the 'verification' reports)" });
    });

    it('fails when the newest verified position is older than verification.maxAgeSeconds', async () => {
      const r = await check('verification-current', facts({ verification: verification({ verifiedThrough: { source: '0/5', target: '0/6', at: NOW - 301_000 } }) }));

      expect(r.passed).toBe(false);
      expect(r.message).toMatch(/^every change up to 301 s ago is verified \(at most 300 s.*: verification rounds are behind or not running/);
    });

    it('fails when the full comparison ran under an older capture, or before this one began', async () => {
      const older = await check('verification-current', facts({ verification: verification({ fullComparison: { runId: 'run-7:c0', startedAt: NOW - 29 * MINUTE, finishedAt: NOW - 20 * MINUTE, equal: true } }) }));
      const before = await check('verification-current', facts({ verification: verification({ fullComparison: { runId: 'run-7:c1', startedAt: NOW - 31 * MINUTE, finishedAt: NOW - 20 * MINUTE, equal: true } }) }));

      for (const r of [older, before]) expect(r).toEqual({ id: 'verification-current', passed: false, message: 'no full comparison has run since change capture began (2030-01-01T11:30:00.000Z): run the migrate workflow' });
    });

    it('fails when the capture was lost, and says which workflow to start with which input', async () => {
      const r = await check('verification-current', facts({ verification: verification({ status: 'lost', lost: { reason: 'the slot held 5,000 MB', at: NOW } }) }));

      expect(r).toEqual({
        id: 'verification-current',
        passed: false,
        message: 'change capture is lost (the slot held 5,000 MB): nothing since can be proven; start the migrate workflow with {"migrationId": "orders", "restart": true} (a new capture and a full comparison)',
      });
    });

    it('fails while a table waits for a whole comparison (a TRUNCATE), and when there is no capture at all', async () => {
      const truncated = await check('verification-current', facts({ verification: verification({ tablesToCompare: [{ table: 'public.orders', reason: 'TRUNCATE of public.orders', at: NOW }] }) }));
      const none = await check('verification-current', facts({ verification: undefined }));

      expect(truncated.message).toBe('table(s) waiting for a whole comparison by the verification rounds: public.orders (TRUNCATE of public.orders)');
      expect(none.passed).toBe(false);
    });
  });

  describe('replication-healthy', () => {
    it('passes while replication streams changes (cdc)', async () => {
      // Act
      const r = await check('replication-healthy', facts());

      // Assess
      expect(r).toEqual({ id: 'replication-healthy', passed: true, message: 'replication streams changes' });
    });

    it.each<[ReplicationStatus, string]>([
      [{ state: 'full-load', tables: [] }, 'replication is full-load'],
      [{ state: 'not-started' }, 'replication is not-started'],
      [{ state: 'stopped', detail: 'the subscription is disabled' }, 'replication is stopped: the subscription is disabled'],
      [{ state: 'failed', cause: 'relation "public.orders" does not exist' }, 'replication is failed: relation "public.orders" does not exist'],
    ])('fails when replication is not cdc (%o)', async (status, message) => {
      // Act
      const r = await check('replication-healthy', facts({ engine: new ScriptedEngine({ status }) }));

      // Assess
      expect(r).toEqual({ id: 'replication-healthy', passed: false, message });
    });
  });

  describe('replication-lag', () => {
    it('passes with a lag at or below maxLagSecondsForCutover', async () => {
      // Act
      const low = await check('replication-lag', facts());
      const atLimit = await check('replication-lag', facts({ engine: new ScriptedEngine({ status: CDC, lag: { seconds: 5 } }) }));

      // Assess
      expect(low).toEqual({ id: 'replication-lag', passed: true, message: 'replication lag is 1.3 s (at most 5 s)' });
      expect(atLimit.passed).toBe(true);
    });

    it('fails with a lag above the threshold', async () => {
      // Act
      const r = await check('replication-lag', facts({ engine: new ScriptedEngine({ status: CDC, lag: { seconds: 7.5 } }) }));

      // Assess
      expect(r).toEqual({ id: 'replication-lag', passed: false, message: 'replication lag is 7.5 s (at most 5 s)' });
    });

    it('fails when the lag is unknown, never reading that as no lag', async () => {
      // Prepare
      const unknown = async () => Promise.reject(new ReplicationLagUnknownError('the subscriber is not connected', 4096));

      // Act
      const r = await check('replication-lag', facts({ engine: new ScriptedEngine({ status: CDC, lag: unknown }) }));

      // Assess
      expect(r).toEqual({ id: 'replication-lag', passed: false, message: 'replication lag is unknown: the subscriber is not connected' });
    });
  });

  describe('long-running-transactions, on a real source', () => {
    const server = usePostgres();
    let source: Database;
    const sessions: pg.Client[] = [];

    beforeAll(async () => {
      source = new Database({ label: 'source database', config: { connectionString: server.url } });
      await source.query(`create role app_writer login password 'app-writer-pw'`);
    });
    afterEach(async () => {
      await Promise.all(sessions.splice(0).map((s) => s.end()));
    });
    afterAll(async () => {
      await source?.close();
    });

    /** A session with an open transaction (idle in it, as an application that forgot to commit). */
    async function openTransaction(as: 'app' | 'ferry'): Promise<number> {
      const user = as === 'app' ? { user: 'app_writer', password: 'app-writer-pw' } : { user: server.user, password: server.password };
      const client = new pg.Client({ host: server.host, port: server.port, database: server.database, ...user });
      await client.connect();
      sessions.push(client);
      await client.query('begin');
      const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid, pg_sleep(0)');
      return rows[0]!.pid;
    }

    const olderThanTheFreeze = () => new Promise((resolve) => setTimeout(resolve, 1300));

    it('passes when no transaction is open, or only one younger than maxWriteFreezeSeconds', async () => {
      // Prepare
      const none = await check('long-running-transactions', facts({ source }));
      await openTransaction('app');

      // Act
      const young = await check('long-running-transactions', facts({ source }));

      // Assess
      expect(none).toEqual({ id: 'long-running-transactions', passed: true, message: 'no transaction on the source is open longer than 1 s' });
      expect(young.passed).toBe(true);
    });

    it("fails for another role's transaction open longer than the freeze may last, naming its pid and role, and ignores Ferry's own", async () => {
      // Prepare
      const app = await openTransaction('app');
      const ferry = await openTransaction('ferry');
      await olderThanTheFreeze();

      // Act
      const r = await check('long-running-transactions', facts({ source }));

      // Assess
      expect(r).toMatchObject({ id: 'long-running-transactions', passed: false });
      expect(r.message).toMatch(new RegExp(`^transactions open longer than 1 s: pid ${app} \\(app_writer, \\d+ s\\)$`));
      expect(r.message).not.toContain(`pid ${ferry}`);
    });

    it("passes when only Ferry's own user has a long transaction open", async () => {
      // Prepare
      await openTransaction('ferry');
      await olderThanTheFreeze();

      // Act
      const r = await check('long-running-transactions', facts({ source }));

      // Assess
      expect(r.passed).toBe(true);
    });
  });
});
