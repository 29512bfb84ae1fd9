import { isIPv4 } from 'node:net';
import { z } from 'zod';
import { scheduleExpressionProblem, timeZoneProblem } from './schedule-expression';

/**
 * The configuration of one migration. Shared by the CDK app (which validates it at synth time and
 * hands it to the functions) and the runtime steps (which parse it again). Every default lives
 * here and nowhere else.
 */

const secretArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:secretsmanager:[a-z]{2}(-[a-z]+)+-\d:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/,
    'must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)',
  );

const hostName = z
  .string()
  .min(1, 'must not be empty')
  .max(253)
  .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, 'must be a host name or IPv4 address');

const port = z.number().int().min(1).max(65535);

const identifier = (what: string) =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(63, `a PostgreSQL ${what} is at most 63 bytes`);

/** An RDS identifier: 1-63 letters, digits and hyphens, starting with a letter, no two hyphens in a row, no hyphen at the end. */
function rdsIdentifier(field: string) {
  return z
    .string()
    .regex(/^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}$/, `${field} must be an RDS identifier: 1-63 letters, digits and hyphens, starting with a letter, no two hyphens in a row`)
    .refine((v) => !v.endsWith('-'), `must not end with a hyphen`)
    // RDS keeps identifiers in lower case, and its ARNs (which the grants name) too.
    .transform((v) => v.toLowerCase());
}

export const DatabaseEndpointSchema = z.strictObject({
  /** DNS name or address of the PostgreSQL server (or its proxy). */
  host: hostName,
  /** @default 5432 */
  port: port.default(5432),
  /** Database name on that server. */
  database: identifier('database name'),
  /**
   * Secrets Manager secret holding `username` and `password` (the RDS secret format). DMS engines
   * connect with the secret alone, so for them it must also hold `host` and `port` (the same as
   * configured here); give the full ARN, with its 6-character suffix.
   */
  secretArn,
  /**
   * TLS verification. `verify-full` checks the server certificate and host name.
   * @default 'verify-full'
   */
  sslMode: z.enum(['require', 'verify-ca', 'verify-full']).default('verify-full'),
  /**
   * DMS engines only: the DMS certificate (imported into DMS, for example the RDS CA bundle) that
   * the server's certificate chains to. DMS can verify a server only against such a certificate,
   * so with it the DMS endpoints use `sslMode`; without it they fall back to `require` (encrypted,
   * server not verified) and synth warns.
   * @default - none
   */
  dmsCertificateArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:dms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:cert:[A-Za-z0-9-]+$/, 'must be a DMS certificate ARN (arn:aws:dms:<region>:<account>:cert:<id>)')
    .optional(),
  /**
   * The RDS DB instance identifier of this database (not its endpoint). With it, preflight checks
   * automated backups and point-in-time recovery, and the cutover takes a snapshot first.
   * @default - not RDS, or not said: preflight warns that it cannot check backups
   */
  rdsInstanceId: rdsIdentifier('rdsInstanceId').optional(),
  /**
   * The Aurora DB cluster identifier of this database, instead of `rdsInstanceId`.
   * @default - not Aurora, or not said
   */
  rdsClusterId: rdsIdentifier('rdsClusterId').optional(),
}).refine((e) => e.rdsInstanceId === undefined || e.rdsClusterId === undefined, {
  path: ['rdsClusterId'],
  message: 'give rdsInstanceId (an RDS instance) or rdsClusterId (an Aurora cluster), not both',
});

/** Largest LOB DMS copies in limited LOB mode; a larger value fails the task instead of truncating. */
const lobMaxSizeKb = z.number().int().min(1).max(102_400).default(32);

/** The capacities DMS Serverless accepts (DMS capacity units). */
export const DMS_CAPACITY_UNITS: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128, 192, 256, 384];
const capacityUnits = z.number().refine((n) => DMS_CAPACITY_UNITS.includes(n), `must be a DMS Serverless capacity: one of ${DMS_CAPACITY_UNITS.join(', ')}`);

/**
 * The private IPv4 ranges (RFC 1918): where DMS may connect when no narrower address is known.
 * Never the internet.
 */
export const PRIVATE_IPV4_RANGES: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

const DMS_PEER_FORMAT = "must be an IPv4 CIDR block such as '10.0.12.0/24' or a security group id such as 'sg-0123456789abcdef0'";

/** A string's refinement: the issue is what `problemOf` says is wrong with the value (undefined: nothing). */
function problemCheck(problemOf: (value: string) => string | undefined) {
  return (value: string, ctx: z.RefinementCtx) => {
    const problem = problemOf(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  };
}

/** Why `value` is not a DMS egress peer, or undefined when it is one (ConfigError adds the value itself). */
function dmsPeerProblem(value: string): string | undefined {
  if (/^sg-[0-9a-f]{8,17}$/.test(value)) return undefined;
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!match) return DMS_PEER_FORMAT;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return 'must be an IPv4 CIDR block: four numbers 0-255 and a prefix length 1-32';
  if (prefix === 0) return "must not allow every IPv4 address: name the database's own address range or security group";
  const address = octets.reduce((n, o) => n * 256 + o, 0);
  const block = 2 ** (32 - prefix);
  if (address % block !== 0) {
    const network = Math.floor(address / block) * block;
    const canonical = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join('.');
    return `must be a network address, with the host bits zero: '${canonical}/${prefix}'`;
  }
  return undefined;
}

/** Somewhere the DMS replication may connect to: an IPv4 CIDR block or a security group. */
const dmsPeer = z.string().superRefine(problemCheck(dmsPeerProblem));

const dmsPeers = z.array(dmsPeer).min(1, 'must list at least one CIDR block or security group id (leave it out for the default)');

/**
 * Where the DMS replication's security group lets it connect; it allows nothing else out. Name
 * the narrowest thing that reaches each database: its security group (same VPC, or a peered VPC
 * in the same region), or the CIDR blocks of its subnets (or of the network it lives in).
 */
export const DmsEgressSchema = z.strictObject({
  /**
   * The source database, on `source.port`.
   * @default - `<source.host>/32` when `source.host` is an IPv4 address; otherwise (a DNS name,
   * which synth cannot resolve and which may move, as an RDS endpoint does on failover) the
   * private IPv4 ranges 10.0.0.0/8, 172.16.0.0/12 and 192.168.0.0/16
   */
  source: dmsPeers.optional(),
  /**
   * The target database, on `target.port`.
   * @default - as for `source`, from `target.host`
   */
  target: dmsPeers.optional(),
  /**
   * HTTPS (443) to the Secrets Manager interface VPC endpoint, through which DMS reads the two
   * database secrets: the endpoint's security group, or its subnets' CIDR blocks.
   * @default - the private IPv4 ranges 10.0.0.0/8, 172.16.0.0/12 and 192.168.0.0/16 (a VPC
   * endpoint's addresses are in the VPC; the internet is never allowed)
   */
  secretsManagerEndpoint: dmsPeers.optional(),
});

const DmsServerlessSchema = z.strictObject({
  engine: z.literal('dms-serverless'),
  /** @default 1 */
  minCapacityUnits: capacityUnits.default(1),
  /** @default 16 */
  maxCapacityUnits: capacityUnits.default(16),
  /** @default false */
  multiAz: z.boolean().default(false),
  lobMaxSizeKb,
  /** @default - see DmsEgressSchema: each database's address when it is an IP, else the private ranges */
  egress: DmsEgressSchema.optional(),
});

const DmsInstanceSchema = z.strictObject({
  engine: z.literal('dms-instance'),
  /** @default 'dms.r6i.large' */
  instanceClass: z
    .string()
    .regex(/^dms\.[a-z0-9]+\.[a-z0-9]+$/, "must be a DMS instance class such as 'dms.r6i.large'")
    .default('dms.r6i.large'),
  /** @default 100 */
  allocatedStorageGb: z.number().int().min(5).max(6144).default(100),
  /** @default false */
  multiAz: z.boolean().default(false),
  /** DMS engine version; unset lets DMS pick its current default. */
  engineVersion: z.string().regex(/^\d+\.\d+\.\d+$/, "must look like '3.5.4'").optional(),
  lobMaxSizeKb,
  /** @default - see DmsEgressSchema: each database's address when it is an IP, else the private ranges */
  egress: DmsEgressSchema.optional(),
});

const NativeSchema = z.strictObject({
  engine: z.literal('native'),
  /**
   * Publication and subscription (and so slot) name; must be unique on both servers.
   * @default 'ferry_<migration id with - replaced by _>'
   */
  replicationName: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be lower-case letters, digits and _ (a replication slot name)')
    .optional(),
  // No setting for parallel table copies: PostgreSQL takes them from the target server's
  // max_sync_workers_per_subscription, which a subscription cannot override (see REMOVED_FIELDS).
});

const EngineSchema = z.discriminatedUnion('engine', [DmsServerlessSchema, DmsInstanceSchema, NativeSchema], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? "engine must be one of 'dms-serverless', 'dms-instance', 'native'"
      : undefined,
});

/**
 * Replication settings that Ferry had and no longer has, by engine, with what governs the thing
 * now. A config that still has one fails naming it, instead of as an unknown key.
 */
const REMOVED_FIELDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  native: {
    syncWorkers:
      'replication.syncWorkers was removed: Ferry never applied it. How many tables the initial copy runs at a time is the target ' +
      "server's max_sync_workers_per_subscription (within max_logical_replication_workers and max_worker_processes): set it in the " +
      "target server's parameters (RDS: the DB parameter group) and delete syncWorkers from the config",
  },
};

/** The replication engine and its settings. */
export const ReplicationSchema = z.preprocess((raw: z.input<typeof EngineSchema>, ctx) => {
  // Runs before the strict parse, on input that is not validated yet.
  const value: unknown = raw;
  if (value === null || typeof value !== 'object') return raw;
  const engine = (value as { engine?: unknown }).engine;
  const removed = typeof engine === 'string' ? REMOVED_FIELDS[engine] : undefined;
  if (removed === undefined) return raw;
  const rest: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [field, message] of Object.entries(removed)) {
    if (!(field in rest)) continue;
    ctx.addIssue({ code: 'custom', path: [field], message, input: rest[field] });
    delete rest[field];
  }
  return rest as z.input<typeof EngineSchema>;
}, EngineSchema);

/** `schema.table` where either part may use `*` (any run of characters) and `?` (one character). */
const tablePattern = z
  .string()
  .regex(/^[^.\s]+\.[^.\s]+$/, "must be 'schema.table' (wildcards * and ? allowed), for example 'public.*'");

export const TablesSchema = z.strictObject({
  /** @default ['public.*'] */
  include: z.array(tablePattern).min(1, 'must name at least one pattern').default(['public.*']),
  /** @default [] */
  exclude: z.array(tablePattern).default([]),
});

export const ThresholdsSchema = z.strictObject({
  /** Cutover is refused while replication lag is above this. @default 5 */
  maxLagSecondsForCutover: z.number().positive().max(3600).default(5),
  /** Longest time writes may stay frozen; past it the cutover thaws the source and backs off. @default 30 */
  maxWriteFreezeSeconds: z.number().int().min(1).max(900).default(30),
  /** Observation window after cutover, during which rollback alarms act. @default 60 */
  observationMinutes: z.number().int().min(0).max(10_080).default(60),
  /**
   * When a cutover backs out after the target may have taken writes: how long it waits for the
   * target's freeze, and then for those writes to reach the source through reverse replication.
   * Past it the back-out stops (BackOutUnsafeError) and leaves the clients on the target rather
   * than lose writes. Both waits fit the step's 15 minutes. @default 60
   */
  backOutDrainSeconds: z.number().int().min(5).max(360).default(60),
  /**
   * The stall alarm (lib/constructs/stall-alarm.ts) notifies when the full load, or CDC while the
   * source is being written, has made no progress for this many minutes; it never rolls back. At
   * least 5 (the monitor reads once a minute, and a window needs several readings), at most 1440
   * (a CloudWatch alarm looks back a day at most). @default 15
   */
  stallMinutes: z.number().int().min(5).max(1440).default(15),
});

/**
 * Change capture and continuous verification (lambdas/shared/verification): a test_decoding slot
 * on each database records the rows that change from before the full comparison on; about every
 * minute a round verifies exactly those rows on both sides and advances the slots.
 */
export const VerificationSchema = z
  .strictObject({
    /**
     * The cutover starts only if every change up to at most this many seconds ago has been
     * verified (the `verification-current` guardrail). @default 300
     */
    maxAgeSeconds: z.number().int().min(30).max(86_400).default(300),
    /** A row that differs is compared again after this delay, and counts only if it still differs and did not change. @default 5000 */
    settleMs: z.number().int().min(0).max(600_000).default(5000),
    /** Change records one round reads from each database; the rest wait for the next round. @default 200000 */
    maxChangesPerRound: z.number().int().min(1000).max(10_000_000).default(200_000),
    /**
     * WAL a capture slot may hold, in MB. Past it Ferry drops the slot so the database's disk is
     * safe, and verification needs a new full comparison (migrate with restart). @default 4096
     */
    maxSlotWalMb: z.number().int().min(1).max(10_485_760).default(4096),
    /** The capture slots' WAL alarm fires above this many MB; it must be below maxSlotWalMb. @default maxSlotWalMb / 2 */
    slotWalAlarmMb: z.number().int().min(1).max(10_485_760).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.slotWalAlarmMb !== undefined && v.slotWalAlarmMb >= v.maxSlotWalMb) {
      ctx.addIssue({ code: 'custom', path: ['slotWalAlarmMb'], message: `must be below maxSlotWalMb (${v.maxSlotWalMb}): the alarm warns before Ferry drops a slot` });
    }
  })
  .transform((v) => ({ ...v, slotWalAlarmMb: v.slotWalAlarmMb ?? Math.max(1, Math.floor(v.maxSlotWalMb / 2)) }));

/**
 * An EFS access point and where a Lambda function mounts it. Lambda mounts file systems directly
 * under /mnt/ (its LocalMountPath: `^/mnt/[a-zA-Z0-9-_.]+$`, at most 160 characters).
 */
export const SwitchFileSystemSchema = z.strictObject({
  /** The EFS access point the switch functions mount (in the functions' VPC, with a mount target in their subnets' zones). */
  accessPointArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:elasticfilesystem:[a-z]{2}(-[a-z]+)+-\d:\d{12}:access-point\/fsap-[0-9a-f]{8,40}$/,
      'must be an EFS access point ARN (arn:aws:elasticfilesystem:<region>:<account>:access-point/fsap-<id>)',
    ),
  /** Where the functions see the access point's directory. */
  mountPath: z
    .string()
    .max(160, 'Lambda allows a mount path of at most 160 characters')
    .regex(/^\/mnt\/(?!\.+$)[A-Za-z0-9._-]+$/, "must be an absolute path directly under /mnt/, where Lambda mounts file systems, such as '/mnt/pgbouncer'"),
});

export const SwitchSchema = z.discriminatedUnion(
  'strategy',
  [
    z.strictObject({
      strategy: z.literal('ssm-parameter'),
      /** String parameter the clients read their database endpoint from. */
      parameterName: z.string().regex(/^\/[A-Za-z0-9_.\-/]+$/, "must be an SSM parameter path such as '/orders/db-endpoint'"),
      /**
       * What the parameter holds: `host`, `host:port` (`host-port`), or `{"host","port","database"}` (`json`).
       * @default 'host'
       */
      format: z.enum(['host', 'host-port', 'json']).default('host'),
    }),
    z.strictObject({
      strategy: z.literal('secrets-manager'),
      /** Secret the clients read; its `host` (and `port`) fields are switched. */
      secretArn,
    }),
    z.strictObject({
      strategy: z.literal('route53'),
      hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,32}$/, "must be a Route 53 hosted zone id such as 'Z0123456789ABCDEFGHIJ'"),
      /** CNAME the clients connect to, in that (private) zone. */
      recordName: hostName,
      /** @default 5 */
      ttlSeconds: z.number().int().min(1).max(300).default(5),
    }),
    z
      .strictObject({
        strategy: z.literal('pgbouncer'),
        /** PgBouncer admin console address. */
        host: hostName,
        /** @default 6432 */
        port: port.default(6432),
        /** Database entry in pgbouncer.ini that is repointed. */
        database: identifier('database name'),
        /** Secret with the admin console's `username` and `password`. */
        adminSecretArn: secretArn,
        /**
         * Absolute path of the file holding this database's `[databases]` line, included from
         * pgbouncer.ini (`%include`). PgBouncer's console cannot change a database's host, so the
         * switch rewrites this one line between PAUSE and RELOAD/RESUME; the file must be writable
         * where the switch step runs (deployed: on `fileSystem`, so inside its `mountPath`).
         */
        databasesFile: z.string().regex(/^\/[^\0]*[^/]$/, "must be an absolute file path such as '/etc/pgbouncer/ferry-databases.ini'"),
        /**
         * The shared file system that makes `databasesFile` writable where the switch runs: the
         * deployed switch functions mount this EFS access point at `mountPath`, and the PgBouncer
         * host mounts the same file system. Required by the CDK stack (Lambda has no writable
         * persistent disk); the local runtime writes `databasesFile` directly.
         * @default - none: the file is written where the step runs (local runtime only)
         */
        fileSystem: SwitchFileSystemSchema.optional(),
      })
      .superRefine((s, ctx) => {
        // Without a valid mountPath (reported on its own) there is nothing to be inside of.
        if (s.fileSystem === undefined || !SwitchFileSystemSchema.shape.mountPath.safeParse(s.fileSystem.mountPath).success) return;
        const { mountPath } = s.fileSystem;
        if (!s.databasesFile.startsWith(`${mountPath}/`) || s.databasesFile.split('/').includes('..')) {
          ctx.addIssue({
            code: 'custom',
            path: ['databasesFile'],
            message: `must be inside fileSystem.mountPath (${mountPath}/...): only that file system is writable where the switch runs, and the PgBouncer host reads the same file from it`,
          });
        }
      }),
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? "strategy must be one of 'ssm-parameter', 'secrets-manager', 'route53', 'pgbouncer'"
        : undefined,
  },
);

const roleName = identifier('role name');

export const FreezeSchema = z.strictObject({
  /**
   * The application's roles whose writes a cutover freezes (on the source) and a rollback freezes
   * (on the target). Empty means every role that can log in except superusers, replication roles,
   * the role Ferry connects as, and PostgreSQL's and RDS's own roles.
   * @default []
   */
  roles: z.array(roleName).default([]),
  /**
   * How writes are frozen. `revoke`: INSERT, UPDATE, DELETE and TRUNCATE on the migrated tables are
   * revoked from the roles and granted back exactly on thaw; sessions stay connected and writes fail
   * with "permission denied". `read-only`: the roles get `default_transaction_read_only = on` in the
   * database and their sessions are ended, so they reconnect read-only; thaw restores the setting
   * and ends the sessions opened during the freeze.
   * @default 'revoke'
   */
  method: z.enum(['revoke', 'read-only']).default('revoke'),
  /**
   * Write transactions of those roles that are open when the freeze starts: ended at once
   * (`terminate`, their clients see the transaction fail) or waited for until the freeze's maximum
   * duration (`wait`). With `read-only` every session of the roles is ended regardless.
   * @default 'terminate'
   */
  openTransactions: z.enum(['terminate', 'wait']).default('terminate'),
});

const alarmName = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'a CloudWatch alarm name is at most 255 characters')
  .regex(/^[^\s].*$/, 'must not start with white space');

export const RollbackMetricSchema = z.strictObject({
  /** For example 'AWS/ApplicationELB' or the application's own namespace. */
  namespace: z.string().min(1, 'must not be empty').max(255),
  metricName: z.string().min(1, 'must not be empty').max(255),
  /** @default {} */
  dimensions: z.record(z.string().min(1), z.string().min(1)).default({}),
  /** @default 'Average' */
  statistic: z.enum(['Average', 'Sum', 'Minimum', 'Maximum', 'SampleCount', 'p50', 'p90', 'p95', 'p99']).default('Average'),
  threshold: z.number(),
  /** @default 'GreaterThanThreshold' */
  comparison: z
    .enum(['GreaterThanThreshold', 'GreaterThanOrEqualToThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold'])
    .default('GreaterThanThreshold'),
  /** What a breach means, for the alarm description and the notification. */
  description: z.string().min(1, 'must not be empty').max(500),
});

export const RollbackSchema = z
  .strictObject({
    /** Rollback alarms exist and start the rollback workflow. @default true */
    enabled: z.boolean().default(true),
    /** Length of one datapoint. @default 60 */
    periodSeconds: z.union([z.literal(10), z.literal(30), z.number().int().min(60).multipleOf(60).max(3600)]).default(60),
    /** N: datapoints looked at. @default 5 */
    evaluationPeriods: z.number().int().min(1).max(100).default(5),
    /** M: breaching datapoints among the last N that fire the alarm. @default 3 */
    datapointsToAlarm: z.number().int().min(1).max(100).default(3),
    /** Replication lag (of the direction in use) above this rolls back. @default 300 */
    maxLagSeconds: z.number().positive().max(86_400).default(300),
    /** Existing alarms (by name, same account and region), such as the application's error rate. @default [] */
    alarmNames: z.array(alarmName).default([]),
    /** Metrics to alarm on, with the same M-of-N. @default [] */
    metrics: z.array(RollbackMetricSchema).default([]),
  })
  .superRefine((r, ctx) => {
    if (r.datapointsToAlarm > r.evaluationPeriods) {
      ctx.addIssue({ code: 'custom', path: ['datapointsToAlarm'], message: `must not exceed evaluationPeriods (${r.evaluationPeriods})` });
    }
  });

export const DriftSchema = z.strictObject({
  /** @default true */
  enabled: z.boolean().default(true),
  /** EventBridge Scheduler expression. @default 'cron(0 * * * ? *)' (hourly) */
  schedule: z
    .string()
    .default('cron(0 * * * ? *)')
    .superRefine(problemCheck(scheduleExpressionProblem)),
  /** @default 'UTC' */
  timeZone: z
    .string()
    .default('UTC')
    .superRefine(problemCheck(timeZoneProblem)),
  /** Data checked besides the schema: none, a sample of segments, or every row. @default 'none' */
  data: z.enum(['none', 'sample', 'full']).default('none'),
});

/** Restore points before a cutover: manual RDS snapshots. */
export const BackupSchema = z.strictObject({
  /**
   * Take a manual snapshot of the source before freezing its writes.
   * @default true when the source names `rdsInstanceId` or `rdsClusterId`, else false
   */
  snapshotBeforeCutover: z.boolean().optional(),
  /** Also snapshot the target (it holds the full copy by then). @default false */
  snapshotTarget: z.boolean().default(false),
  /**
   * Longest wait for the snapshots to be available; past it the cutover stops before freezing
   * anything. At most 30: the cutover workflow has an hour in all, and the freeze must come well
   * within it. A first snapshot of a large database takes longer: take one by hand the day before
   * (later ones are incremental). @default 30
   */
  maxWaitMinutes: z.number().int().min(1).max(30).default(30),
});

/** How index builds after the full load run (fullLoad.deferIndexes), on the target. */
export const IndexBuildSchema = z.strictObject({
  /**
   * `maintenance_work_mem` of each build's session, in MB: a sort that fits is done in memory.
   * Each build (and each of its parallel workers' share) takes up to this much of the target's memory.
   * @default 1024
   */
  maintenanceWorkMemMb: z.number().int().min(1).max(2_097_151).default(1024),
  /** `max_parallel_maintenance_workers` of each build's session (0: the build runs alone, within the server's max_worker_processes). @default 2 */
  parallelWorkers: z.number().int().min(0).max(64).default(2),
  /** How many indexes are built at once (on different tables: one table's builds run one after another). @default 2 */
  concurrentBuilds: z.number().int().min(1).max(32).default(2),
});

/** The DMS engines' full-load and CDC tuning (task settings), applied when the task is created or modified. */
export const DmsLoadTuningSchema = z.strictObject({
  /** `FullLoadSettings.MaxFullLoadSubTasks`: tables (or a large table's ranges) loaded at once, 1-49. @default 8 */
  maxFullLoadSubTasks: z.number().int().min(1).max(49).default(8),
  /** `FullLoadSettings.CommitRate`: rows transferred together during the full load, 1-50000. @default 10000 */
  commitRate: z.number().int().min(1).max(50_000).default(10_000),
  /**
   * `TargetMetadata.BatchApplyEnabled`: CDC applies changes in batches instead of one transaction at
   * a time. Faster under heavy writes, but the target's transactions are no longer the source's:
   * off by default. @default false
   */
  batchApply: z.boolean().default(false),
});

/** The initial copy: indexes built after the data, large tables copied as several key ranges at once. */
export const FullLoadSchema = z.strictObject({
  /**
   * Drop the target's secondary indexes before the copy and build them again after it (primary
   * keys, unique and exclusion constraints and the replica identity index stay).
   * @default true with the native engine, false with DMS
   */
  deferIndexes: z.boolean().optional(),
  /** @default see IndexBuildSchema */
  indexBuild: IndexBuildSchema.default(IndexBuildSchema.parse({})),
  /** Tables larger than this (MB, on the source) are copied as several key ranges at once. @default 1024 */
  parallelTableMb: z.number().int().min(1).max(10_485_760).default(1024),
  /** Key ranges a large table is split into, copied at once (native) or loaded as DMS parallel-load segments. @default 4 */
  rangesPerTable: z.number().int().min(2).max(64).default(4),
  /**
   * Native engine, when some table is above parallelTableMb: copy workers, each with one
   * connection to either database, taking tables and ranges largest first. @default 4
   */
  copyWorkers: z.number().int().min(1).max(64).default(4),
  /** @default see DmsLoadTuningSchema */
  dms: DmsLoadTuningSchema.default(DmsLoadTuningSchema.parse({})),
});

export const MigrationSchema = z.strictObject({
  /** Lower-case name, used in resource names, the checkpoint table and workflow inputs. */
  id: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/, 'must be 2-32 lower-case letters, digits and -, starting with a letter'),
  source: DatabaseEndpointSchema,
  target: DatabaseEndpointSchema,
  replication: ReplicationSchema,
  /** @default { include: ['public.*'], exclude: [] } */
  tables: TablesSchema.default({ include: ['public.*'], exclude: [] }),
  /** @default see ThresholdsSchema */
  thresholds: ThresholdsSchema.default(ThresholdsSchema.parse({})),
  /** @default see VerificationSchema */
  verification: VerificationSchema.default(VerificationSchema.parse({})),
  switch: SwitchSchema,
  /** @default see DriftSchema */
  drift: DriftSchema.default(DriftSchema.parse({})),
  /** @default see FreezeSchema */
  freeze: FreezeSchema.default(FreezeSchema.parse({})),
  /** @default see RollbackSchema */
  rollback: RollbackSchema.default(RollbackSchema.parse({})),
  /** @default see BackupSchema */
  backup: BackupSchema.default(BackupSchema.parse({})),
  /** @default see FullLoadSchema */
  fullLoad: FullLoadSchema.default(FullLoadSchema.parse({})),
})
  .superRefine((m, ctx) => {
    if (m.backup.snapshotBeforeCutover === true && !rdsDatabaseOf(m.source)) {
      ctx.addIssue({ code: 'custom', path: ['backup', 'snapshotBeforeCutover'], message: 'needs source.rdsInstanceId or source.rdsClusterId: Ferry snapshots RDS and Aurora databases only' });
    }
    if (m.backup.snapshotTarget && !rdsDatabaseOf(m.target)) {
      ctx.addIssue({ code: 'custom', path: ['backup', 'snapshotTarget'], message: 'needs target.rdsInstanceId or target.rdsClusterId: Ferry snapshots RDS and Aurora databases only' });
    }
    if (m.source.host === m.target.host && m.source.port === m.target.port && m.source.database === m.target.database) {
      ctx.addIssue({ code: 'custom', path: ['target'], message: 'must differ from source (same host, port and database)' });
    }
    if ((m.replication.engine === 'dms-serverless') && m.replication.minCapacityUnits > m.replication.maxCapacityUnits) {
      ctx.addIssue({
        code: 'custom',
        path: ['replication', 'minCapacityUnits'],
        message: `must not exceed maxCapacityUnits (${m.replication.maxCapacityUnits})`,
      });
    }
  });

export type MigrationConfig = z.infer<typeof MigrationSchema>;
export type MigrationConfigInput = z.input<typeof MigrationSchema>;
export type DatabaseEndpoint = z.infer<typeof DatabaseEndpointSchema>;
export type ReplicationConfig = z.infer<typeof ReplicationSchema>;
export type DmsEgressConfig = z.infer<typeof DmsEgressSchema>;
export type SwitchConfig = z.infer<typeof SwitchSchema>;
export type SwitchFileSystemConfig = z.infer<typeof SwitchFileSystemSchema>;
export type FreezeConfig = z.infer<typeof FreezeSchema>;
export type RollbackConfig = z.infer<typeof RollbackSchema>;
export type VerificationConfig = z.infer<typeof VerificationSchema>;
export type FullLoadConfig = z.infer<typeof FullLoadSchema>;

/** Whether the full load drops the target's secondary indexes and builds them after the copy (`fullLoad.deferIndexes` with its engine default). */
export function defersIndexes(m: MigrationConfig): boolean {
  return m.fullLoad.deferIndexes ?? m.replication.engine === 'native';
}

/** The publication/subscription name native replication uses for a migration. */
export function nativeReplicationName(m: MigrationConfig): string {
  if (m.replication.engine === 'native' && m.replication.replicationName) return m.replication.replicationName;
  return `ferry_${m.id.replace(/-/g, '_')}`;
}

/** Where a DMS migration's security group lets it connect: its `replication.egress` with the defaults of DmsEgressSchema applied. */
export function dmsEgressPeers(m: MigrationConfig): Required<DmsEgressConfig> {
  const egress = m.replication.engine === 'native' ? undefined : m.replication.egress;
  const database = (host: string) => (isIPv4(host) ? [`${host}/32`] : [...PRIVATE_IPV4_RANGES]);
  return {
    source: egress?.source ?? database(m.source.host),
    target: egress?.target ?? database(m.target.host),
    secretsManagerEndpoint: egress?.secretsManagerEndpoint ?? [...PRIVATE_IPV4_RANGES],
  };
}

/** The RDS instance or Aurora cluster an endpoint names, if any. */
export function rdsDatabaseOf(endpoint: { readonly rdsInstanceId?: string; readonly rdsClusterId?: string }): { readonly kind: 'instance' | 'cluster'; readonly id: string } | undefined {
  if (endpoint.rdsInstanceId !== undefined) return { kind: 'instance', id: endpoint.rdsInstanceId };
  if (endpoint.rdsClusterId !== undefined) return { kind: 'cluster', id: endpoint.rdsClusterId };
  return undefined;
}

/** The databases the cutover snapshots before freezing: the source by default where it is RDS, the target on request. */
export function snapshotPlan(m: MigrationConfig): Array<{ readonly side: 'source' | 'target'; readonly kind: 'instance' | 'cluster'; readonly id: string }> {
  const plan: Array<{ side: 'source' | 'target'; kind: 'instance' | 'cluster'; id: string }> = [];
  const source = rdsDatabaseOf(m.source);
  const target = rdsDatabaseOf(m.target);
  if (source && (m.backup.snapshotBeforeCutover ?? true)) plan.push({ side: 'source', ...source });
  if (target && m.backup.snapshotTarget) plan.push({ side: 'target', ...target });
  return plan;
}

/**
 * The schema's own defaults, for code that takes a setting as an optional parameter without a
 * parsed migration (the CLI's options, the preflight and drift engines' fallbacks, the alarm
 * constructs): read from the schemas above, never written a second time, so they cannot drift
 * from what a config without the field gets.
 */
export const CONFIG_DEFAULTS = {
  /** `replication.lobMaxSizeKb` (DMS engines). */
  lobMaxSizeKb: lobMaxSizeKb.parse(undefined),
  verification: VerificationSchema.parse({}),
  drift: DriftSchema.parse({}),
  thresholds: ThresholdsSchema.parse({}),
  fullLoad: FullLoadSchema.parse({}),
} as const;
