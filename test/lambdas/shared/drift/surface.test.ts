import { describe, expect, it } from 'vitest';
import type { SchemaSnapshot } from '../../../../lambdas/shared/compare/schema';
import { detectDrift } from '../../../../lambdas/shared/drift/detect';
import { diffSurface } from '../../../../lambdas/shared/drift/diff-surface';
import { readDriftSnapshot } from '../../../../lambdas/shared/drift/schema-drift';
import type { SurfaceSnapshot } from '../../../../lambdas/shared/drift/surface';
import type { DriftSnapshot } from '../../../../lambdas/shared/drift/types';
import { useFreshPairEachTest } from '../../../helpers/database-pair';

/** Roles are per server, and both databases of a pair live on their own servers: made on both, once. */
const ROLES = ['app_user', 'app_owner', 'reporting']
  .map((r) => `DO $$ BEGIN CREATE ROLE ${r}; EXCEPTION WHEN duplicate_object THEN NULL; END $$;`)
  .join('\n');

/** What breaks an application after a switch: functions, row level security, grants, owners, partitions. */
const BASE = `
${ROLES}
CREATE SCHEMA app;
GRANT USAGE ON SCHEMA app TO app_user, reporting;
CREATE SEQUENCE app.invoice_no;
CREATE TABLE app.orders (id serial PRIMARY KEY, tenant text NOT NULL, total numeric NOT NULL DEFAULT 0,
  invoice bigint DEFAULT nextval('app.invoice_no'), note text);
CREATE FUNCTION app.total_of(p_order integer) RETURNS numeric LANGUAGE sql STABLE AS $$ SELECT total FROM app.orders WHERE id = p_order $$;
CREATE PROCEDURE app.close_day(d date) LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE '%', d; END $$;
-- Outside the selected schemas, in scope because a policy calls it.
CREATE FUNCTION public.tenant_of() RETURNS text LANGUAGE sql STABLE AS $$ SELECT current_setting('app.tenant', true) $$;
ALTER TABLE app.orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON app.orders FOR ALL TO app_user USING (tenant = public.tenant_of()) WITH CHECK (tenant = public.tenant_of());
GRANT SELECT, INSERT, UPDATE, DELETE ON app.orders TO app_user;
GRANT SELECT (id, total) ON app.orders TO reporting;
GRANT USAGE ON SEQUENCE app.orders_id_seq, app.invoice_no TO app_user;
GRANT EXECUTE ON FUNCTION app.total_of(integer) TO reporting;
CREATE TABLE app.events (id bigint NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE app.events_2025 PARTITION OF app.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE app.events_other PARTITION OF app.events DEFAULT;
CREATE TABLE app.metrics (kind text NOT NULL, v int) PARTITION BY LIST (kind);
CREATE SCHEMA "My Schema";
CREATE TABLE "My Schema"."Odd.Name" ("Col ""x""" int);
GRANT SELECT ON "My Schema"."Odd.Name" TO reporting;
`;

interface Planted {
  readonly drift: string;
  readonly ddl: string;
  /** [kind, object, severity] of every difference expected, in report order. */
  readonly expected: ReadonlyArray<readonly [string, string, string]>;
  /** Words the first difference's detail must hold: what differs. */
  readonly detail: string;
}

const PLANTED: readonly Planted[] = [
  {
    drift: 'a function body',
    ddl: 'CREATE OR REPLACE FUNCTION app.total_of(p_order integer) RETURNS numeric LANGUAGE sql STABLE AS $$ SELECT total * 2 FROM app.orders WHERE id = p_order $$',
    expected: [['function-definition', 'function app.total_of(p_order integer)', 'error']],
    detail: 'the source has "FROM app.orders',
  },
  {
    drift: 'a function made SECURITY DEFINER',
    ddl: 'ALTER FUNCTION app.total_of(integer) SECURITY DEFINER',
    expected: [['function-definition', 'function app.total_of(p_order integer)', 'error']],
    detail: 'the target "SECURITY DEFINER',
  },
  {
    drift: 'a missing procedure',
    ddl: 'DROP PROCEDURE app.close_day(date)',
    expected: [['function-missing', 'procedure app.close_day(IN d date)', 'error']],
    detail: 'the target has no procedure app.close_day(IN d date): calls to it fail there',
  },
  {
    drift: 'a function a policy calls, outside the selected schemas',
    ddl: "CREATE OR REPLACE FUNCTION public.tenant_of() RETURNS text LANGUAGE sql STABLE AS $$ SELECT 'everyone' $$",
    expected: [['function-definition', 'function public.tenant_of()', 'error']],
    detail: 'the definitions first differ',
  },
  {
    drift: 'EXECUTE revoked from PUBLIC',
    ddl: 'REVOKE EXECUTE ON FUNCTION app.total_of(integer) FROM PUBLIC',
    expected: [['function-grants', 'function app.total_of(p_order integer)', 'error']],
    detail: 'on the target PUBLIC lacks EXECUTE',
  },
  {
    drift: 'a function owner',
    ddl: 'ALTER FUNCTION app.total_of(integer) OWNER TO app_owner',
    expected: [
      ['function-grants', 'function app.total_of(p_order integer)', 'error'],
      ['function-owner', 'function app.total_of(p_order integer)', 'error'],
    ],
    detail: 'on the target postgres lacks EXECUTE; app_owner also has EXECUTE',
  },
  {
    drift: 'row level security disabled',
    ddl: 'ALTER TABLE app.orders DISABLE ROW LEVEL SECURITY',
    expected: [['row-security', 'table app.orders', 'error']],
    detail: 'row level security is enabled, not forced on the source and disabled on the target',
  },
  {
    drift: 'row level security forced',
    ddl: 'ALTER TABLE app.orders FORCE ROW LEVEL SECURITY',
    expected: [['row-security', 'table app.orders', 'error']],
    detail: 'enabled, not forced on the source and enabled and forced on the target',
  },
  {
    drift: 'a missing policy',
    ddl: 'DROP POLICY tenant_isolation ON app.orders',
    expected: [['policy-missing', 'policy app.orders.tenant_isolation', 'error']],
    detail: 'only the source has it: permissive for all to app_user using (tenant = public.tenant_of())',
  },
  {
    drift: 'a policy for other roles',
    ddl: 'ALTER POLICY tenant_isolation ON app.orders TO app_user, reporting',
    expected: [['policy-definition', 'policy app.orders.tenant_isolation', 'error']],
    detail: 'roles differ: on the source permissive for all to app_user',
  },
  {
    drift: 'table privileges revoked',
    ddl: 'REVOKE INSERT, UPDATE ON app.orders FROM app_user',
    expected: [['table-grants', 'table app.orders', 'error']],
    detail: 'on the target app_user lacks INSERT, UPDATE',
  },
  {
    drift: 'a table privilege granted only on the target (warning)',
    ddl: 'GRANT SELECT ON app.orders TO reporting',
    expected: [['table-grants', 'table app.orders', 'warning']],
    detail: 'on the target reporting also has SELECT',
  },
  {
    drift: 'a column privilege revoked',
    ddl: 'REVOKE SELECT (total) ON app.orders FROM reporting',
    expected: [['column-grants', 'app.orders.total', 'error']],
    detail: 'on the target reporting lacks SELECT',
  },
  {
    drift: 'a sequence privilege revoked',
    ddl: 'REVOKE USAGE ON SEQUENCE app.invoice_no FROM app_user',
    expected: [['sequence-grants', 'sequence app.invoice_no', 'error']],
    detail: 'on the target app_user lacks USAGE',
  },
  {
    drift: 'a schema privilege revoked',
    ddl: 'REVOKE USAGE ON SCHEMA app FROM app_user',
    expected: [['schema-grants', 'schema app', 'error']],
    detail: 'on the target app_user lacks USAGE',
  },
  {
    drift: 'a schema owner',
    ddl: 'ALTER SCHEMA app OWNER TO app_owner',
    expected: [
      ['schema-grants', 'schema app', 'error'],
      ['schema-owner', 'schema app', 'error'],
    ],
    detail: 'postgres lacks CREATE, USAGE',
  },
  {
    drift: 'a sequence owner',
    ddl: 'ALTER SEQUENCE app.invoice_no OWNER TO app_owner',
    expected: [
      ['sequence-grants', 'sequence app.invoice_no', 'error'],
      ['sequence-owner', 'sequence app.invoice_no', 'error'],
    ],
    detail: 'postgres lacks SELECT, UPDATE, USAGE',
  },
  {
    drift: 'a partition bound',
    ddl: "ALTER TABLE app.events DETACH PARTITION app.events_2024; ALTER TABLE app.events ATTACH PARTITION app.events_2024 FOR VALUES FROM ('2024-01-01') TO ('2024-07-01')",
    expected: [['partition-bound', 'partition app.events_2024', 'error']],
    detail: "a partition of app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') on the source, of app.events FOR VALUES FROM ('2024-01-01') TO ('2024-07-01') on the target",
  },
  {
    drift: 'a detached partition',
    ddl: 'ALTER TABLE app.events DETACH PARTITION app.events_2025',
    expected: [['partition-missing', 'partition app.events_2025', 'error']],
    detail: "on the target it is a table of its own, not attached as the partition of app.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
  },
  {
    drift: 'a partition key',
    ddl: 'DROP TABLE app.metrics; CREATE TABLE app.metrics (kind text NOT NULL, v int) PARTITION BY HASH (kind)',
    expected: [['partition-key', 'table app.metrics', 'error']],
    detail: 'partitioned by LIST (kind) on the source, partitioned by HASH (kind) on the target',
  },
  {
    drift: 'a privilege on a table whose names need quoting',
    ddl: 'REVOKE SELECT ON "My Schema"."Odd.Name" FROM reporting',
    expected: [['table-grants', 'table My Schema.Odd.Name', 'error']],
    detail: 'on the target reporting lacks SELECT',
  },
];

describe('schema drift in what breaks an application after a switch (the surface)', () => {
  const pair = useFreshPairEachTest();

  it('finds no drift between two databases built from the same schema', async () => {
    // Prepare
    await pair.bothSql(BASE);

    // Act
    const result = await detectDrift({ source: pair.source, target: pair.target });

    // Assess
    expect(result.differences).toEqual([]);
    expect(result.notes).toBeUndefined();
  });

  it.each(PLANTED)('reports $drift, naming the object and what differs', async ({ ddl, expected, detail }) => {
    // Prepare
    await pair.bothSql(BASE);
    await pair.targetSql(ddl);

    // Act
    const result = await detectDrift({ source: pair.source, target: pair.target });

    // Assess
    expect(result.differences.map((d) => [d.kind, d.object, d.severity])).toEqual(expected);
    expect(result.differences.map((d) => d.detail).join(' | ')).toContain(detail);
  });

  it('reports a partition missing under a selected parent, and leaves a missing selected partition to table-missing', async () => {
    // Prepare
    await pair.bothSql(BASE);
    await pair.targetSql('DROP TABLE app.events_2025');

    // Act
    const parentOnly = await detectDrift({ source: pair.source, target: pair.target }, { selection: { include: ['app.events'] } });
    const all = await detectDrift({ source: pair.source, target: pair.target });

    // Assess
    expect(parentOnly.differences).toEqual([
      {
        kind: 'partition-missing',
        object: 'partition app.events_2025',
        source: { parent: 'app.events', bound: "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')" },
        target: null,
        severity: 'error',
        detail: "the target has no partition of app.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01'): rows of that range are rejected there (or go to a default partition)",
      },
    ]);
    expect(all.differences.map((d) => [d.kind, d.object])).toEqual([['table-missing', 'table app.events_2025']]);
  });

  it("never reports AWS DMS's control and audit tables, their sequences or functions, in schema or data", async () => {
    // Prepare: DMS's control schema on the target (forward apply), audit objects on the source
    await pair.bothSql(`${BASE}; CREATE SCHEMA awsdms_control; CREATE TABLE awsdms_control.awsdms_status (server_name text, task_status text)`);
    await pair.sourceSql(`
      INSERT INTO awsdms_control.awsdms_status VALUES ('source', 'idle');
      CREATE TABLE public.awsdms_ddl_audit (c_key bigserial PRIMARY KEY, c_time timestamp, c_ddlqry text);
      CREATE INDEX awsdms_ddl_audit_time ON public.awsdms_ddl_audit (c_time);
      CREATE FUNCTION public.awsdms_intercept_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
      INSERT INTO public.awsdms_ddl_audit (c_ddlqry) VALUES ('CREATE TABLE x ()')`);
    await pair.targetSql(`
      INSERT INTO awsdms_control.awsdms_status VALUES ('target', 'FULL LOAD');
      CREATE TABLE awsdms_control.awsdms_apply_exceptions ("TASK_NAME" varchar(128), "ERROR" text);
      GRANT SELECT ON awsdms_control.awsdms_apply_exceptions TO reporting`);

    // Act
    const result = await detectDrift({ source: pair.source, target: pair.target }, { data: 'full' });

    // Assess
    expect(result.differences).toEqual([]);
  });

  it('finds after cutover a grant revoked and a policy changed since the stored snapshot, and nothing when unchanged', async () => {
    // Prepare: the snapshot as the drift step stores it, read back from JSON
    await pair.targetSql(BASE);
    const snapshot = JSON.parse(JSON.stringify(await readDriftSnapshot(pair.target))) as DriftSnapshot;
    const unchanged = await detectDrift({ snapshot, target: pair.target });
    await pair.targetSql(`REVOKE DELETE ON app.orders FROM app_user; ALTER POLICY tenant_isolation ON app.orders USING (true)`);

    // Act
    const result = await detectDrift({ snapshot, target: pair.target });
    const narrower = await detectDrift({ snapshot, target: pair.target }, { selection: { include: ['app.events*'] } });

    // Assess
    expect(unchanged.differences).toEqual([]);
    expect(result.differences.map((d) => [d.kind, d.object, d.detail])).toEqual([
      ['policy-definition', 'policy app.orders.tenant_isolation', expect.stringContaining('USING differ')],
      ['table-grants', 'table app.orders', 'on the target app_user lacks DELETE'],
    ]);
    expect(narrower.differences).toEqual([]);
  });
});

describe('the surface comparison between servers of different majors', () => {
  const acl = (privileges: string[]) => ({ postgres: privileges });
  const side = (serverVersionNum: number, privileges: string[]) => ({
    schema: { serverVersionNum, tables: [{ schema: 'app', name: 't', columns: [] }] } as unknown as Pick<SchemaSnapshot, 'tables' | 'serverVersionNum'>,
    surface: {
      formatVersion: 1,
      tables: [
        { schema: 'app', name: 't', owner: 'postgres', acl: acl(privileges), columnAcls: {}, rowSecurity: false, forceRowSecurity: false, policies: [], partitionKey: null },
      ],
      partitions: [],
      sequences: [],
      schemas: [],
      functions: [],
    } satisfies SurfaceSnapshot,
  });
  const OWNER_16 = ['DELETE', 'INSERT', 'REFERENCES', 'SELECT', 'TRIGGER', 'TRUNCATE', 'UPDATE'];

  it("leaves out PostgreSQL 17's MAINTAIN when the other side is older, and compares it between two 17s", () => {
    expect(diffSurface(side(160004, OWNER_16), side(170002, [...OWNER_16, 'MAINTAIN']))).toEqual([]);
    expect(diffSurface(side(170002, OWNER_16), side(170002, [...OWNER_16, 'MAINTAIN']))).toMatchObject([
      { kind: 'table-grants', object: 'table app.t', severity: 'warning', detail: 'on the target postgres also has MAINTAIN' },
    ]);
  });
});
