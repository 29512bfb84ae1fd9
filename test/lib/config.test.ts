import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnvironments } from '../../lib/config';
import cdkJson from '../../cdk.json';
import { validEnvironment } from './config.fixture';
import { defersIndexes } from '../../lambdas/shared/migration-config';

/** Parses `{ <env>: mutated copy of the valid environment }` and returns the problems. */
function problemsOf(mutate: (env: any) => void, envName = 'dev'): string[] {
  const env = validEnvironment();
  mutate(env);
  try {
    parseEnvironments({ [envName]: env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  return [];
}

describe('parseEnvironments', () => {
  it('accepts the dev and prod examples shipped in cdk.json', () => {
    // GIVEN the environments in cdk.json
    // WHEN
    const envs = parseEnvironments(cdkJson.context.environments);
    // THEN
    expect(Object.keys(envs)).toEqual(['dev', 'prod']);
  });

  it('fills every default from the schema', () => {
    // GIVEN an environment that sets only what it must
    // WHEN
    const envs = parseEnvironments({ dev: validEnvironment() });
    // THEN every default is filled in
    const env = envs.dev!;
    const migration = env.migrations[0]!;
    expect(env.retainStatefulResources).toBe(true);
    expect(env.notifications).toEqual({ emails: [] });
    expect(migration.source.port).toBe(5432);
    expect(migration.source.sslMode).toBe('verify-full');
    expect(migration.tables).toEqual({ include: ['public.*'], exclude: [] });
    expect(migration.thresholds).toEqual({
      maxLagSecondsForCutover: 5,
      maxWriteFreezeSeconds: 30,
      observationMinutes: 60,
      backOutDrainSeconds: 60,
      stallMinutes: 15,
    });
    expect(migration.verification).toEqual({ maxAgeSeconds: 300, settleMs: 5000, maxChangesPerRound: 200_000, maxSlotWalMb: 4096, slotWalAlarmMb: 2048 });
    expect(migration.drift).toEqual({ enabled: true, schedule: 'cron(0 * * * ? *)', timeZone: 'UTC', data: 'none' });
    expect(migration.replication).toEqual({ engine: 'native' });
  });

  it('fills engine-specific defaults for each DMS engine', () => {
    // GIVEN a migration on each DMS engine, with no engine settings
    // WHEN
    const envs = parseEnvironments({
      dev: { ...validEnvironment(), migrations: [{ ...validEnvironment().migrations[0]!, replication: { engine: 'dms-instance' } }] },
      prod: { ...validEnvironment(), migrations: [{ ...validEnvironment().migrations[0]!, replication: { engine: 'dms-serverless' } }] },
    });
    // THEN each gets its engine's defaults
    expect(envs.dev!.migrations[0]!.replication).toEqual({
      engine: 'dms-instance',
      instanceClass: 'dms.r6i.large',
      allocatedStorageGb: 100,
      multiAz: false,
      lobMaxSizeKb: 32,
    });
    expect(envs.prod!.migrations[0]!.replication).toEqual({
      engine: 'dms-serverless',
      minCapacityUnits: 1,
      maxCapacityUnits: 16,
      multiAz: false,
      lobMaxSizeKb: 32,
    });
  });

  it('derives the capture-WAL alarm from the slot limit, and rejects an alarm at or above the limit', () => {
    // GIVEN slots dropped at 1000 MB
    const [m] = validEnvironment().migrations;
    // WHEN
    const envs = parseEnvironments({ dev: { ...validEnvironment(), migrations: [{ ...m!, verification: { maxSlotWalMb: 1000 } }] } });
    // THEN the alarm is at half of it; at the limit, or under a removed key, the configuration is refused
    expect(envs.dev!.migrations[0]!.verification.slotWalAlarmMb).toBe(500);
    expect(problemsOf((env) => (env.migrations[0].verification = { maxSlotWalMb: 1000, slotWalAlarmMb: 1000 }))).toEqual([
      "environment 'dev': migrations[0].verification.slotWalAlarmMb: must be below maxSlotWalMb (1000): the alarm warns before Ferry drops a slot, got 1000",
    ]);
    expect(problemsOf((env) => (env.migrations[0].thresholds = { maxComparisonAgeMinutes: 60 }))).toEqual([
      "environment 'dev': migrations[0].thresholds: unknown key 'maxComparisonAgeMinutes' (check the spelling; unknown keys are rejected)",
    ]);
  });

  it('snapshots an RDS source before cutover by default, and refuses a snapshot of a database that is not RDS', () => {
    // GIVEN an RDS source
    const env = validEnvironment();
    env.migrations[0]!.source = { ...env.migrations[0]!.source, rdsInstanceId: 'orders-db' };
    // WHEN
    const rds = parseEnvironments({ dev: env });
    // THEN it is snapshotted by default; a target snapshot of a database that is not RDS, two RDS identifiers, or a host name as identifier are refused
    expect(rds.dev!.migrations[0]!.backup).toEqual({ snapshotTarget: false, maxWaitMinutes: 30 });
    expect(problemsOf((env) => (env.migrations[0].backup = { snapshotTarget: true }))).toEqual([
      "environment 'dev': migrations[0].backup.snapshotTarget: needs target.rdsInstanceId or target.rdsClusterId: Ferry snapshots RDS and Aurora databases only, got true",
    ]);
    expect(problemsOf((env) => Object.assign(env.migrations[0].source, { rdsInstanceId: 'a', rdsClusterId: 'b' }))).toEqual([
      expect.stringMatching(/^environment 'dev': migrations\[0\]\.source\.rdsClusterId: give rdsInstanceId \(an RDS instance\) or rdsClusterId \(an Aurora cluster\), not both/),
    ]);
    expect(problemsOf((env) => (env.migrations[0].source.rdsInstanceId = 'orders.db.eu-west-1.rds.amazonaws.com'))).toEqual([
      expect.stringMatching(/^environment 'dev': migrations\[0\]\.source\.rdsInstanceId: rdsInstanceId must be an RDS identifier/),
    ]);
  });

  it('rejects a missing field, naming environment and field', () => {
    // GIVEN a source without a host
    // WHEN / THEN the configuration is refused, naming environment and field
    expect(problemsOf((env) => delete env.migrations[0].source.host)).toEqual([
      "environment 'dev': migrations[0].source.host: missing (expected string)",
    ]);
  });

  it('rejects a value of the wrong type, showing what it got', () => {
    // GIVEN a port given as a string
    // WHEN / THEN the configuration is refused, showing the value
    expect(problemsOf((env) => (env.migrations[0].source.port = '5432'), 'prod')).toEqual([
      "environment 'prod': migrations[0].source.port: expected number, got \"5432\"",
    ]);
  });

  it('rejects an unknown replication engine and lists the known ones', () => {
    // GIVEN the engine 'dms'
    // WHEN / THEN the configuration is refused, listing the engines there are
    expect(problemsOf((env) => (env.migrations[0].replication = { engine: 'dms' }))).toEqual([
      "environment 'dev': migrations[0].replication.engine: engine must be one of 'dms-serverless', 'dms-instance', 'native', got \"dms\"",
    ]);
  });

  it("rejects the removed replication.syncWorkers, saying that the target server's max_sync_workers_per_subscription governs the parallel copies", () => {
    // GIVEN a native replication with syncWorkers, or a misspelt key
    // WHEN / THEN the configuration is refused, saying what governs parallel copies instead
    expect(problemsOf((env) => (env.migrations[0].replication = { engine: 'native', syncWorkers: 4 }))).toEqual([
      "environment 'dev': migrations[0].replication.syncWorkers: replication.syncWorkers was removed: Ferry never applied it. " +
        "How many tables the initial copy runs at a time is the target server's max_sync_workers_per_subscription (within max_logical_replication_workers and max_worker_processes): " +
        "set it in the target server's parameters (RDS: the DB parameter group) and delete syncWorkers from the config, got 4",
    ]);
    // The other native settings are still checked once it is gone.
    expect(problemsOf((env) => (env.migrations[0].replication = { engine: 'native', syncWorker: 4 }))).toEqual([
      "environment 'dev': migrations[0].replication: unknown key 'syncWorker' (check the spelling; unknown keys are rejected)",
    ]);
  });

  describe('the PgBouncer switch', () => {
    const pgbouncer = {
      strategy: 'pgbouncer',
      host: 'pgbouncer.internal',
      database: 'orders',
      adminSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pgbouncer-admin-AbCdEf',
      databasesFile: '/mnt/pgbouncer/orders.ini',
      fileSystem: { accessPointArn: 'arn:aws:elasticfilesystem:eu-west-1:123456789012:access-point/fsap-0123456789abcdef0', mountPath: '/mnt/pgbouncer' },
    };
    const withSwitch = (change: (s: any) => void) => (env: any) => {
      env.migrations[0].switch = structuredClone(pgbouncer);
      change(env.migrations[0].switch);
    };

    it('accepts a file system with the databasesFile inside its mountPath, and no file system at all (the local runtime)', () => {
      // GIVEN a PgBouncer switch with a file system
      // WHEN
      const envs = parseEnvironments({ dev: { ...validEnvironment(), migrations: [{ ...validEnvironment().migrations[0]!, switch: pgbouncer as never }] } });
      // THEN it is accepted, with PgBouncer's default port; and without a file system too
      expect(envs.dev!.migrations[0]!.switch).toEqual({ ...pgbouncer, port: 6432 });
      expect(problemsOf(withSwitch((s) => ((s.databasesFile = '/etc/pgbouncer/orders.ini'), delete s.fileSystem)))).toEqual([]);
    });

    it('rejects an access point ARN that is not one, naming the field', () => {
      // GIVEN a file system's ARN where an access point's belongs
      // WHEN / THEN the configuration is refused, naming the field
      expect(problemsOf(withSwitch((s) => (s.fileSystem.accessPointArn = 'arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-0123456789abcdef0')))).toEqual([
        "environment 'dev': migrations[0].switch.fileSystem.accessPointArn: must be an EFS access point ARN (arn:aws:elasticfilesystem:<region>:<account>:access-point/fsap-<id>), " +
          'got "arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-0123456789abcdef0"',
      ]);
    });

    it.each(['/efs/pgbouncer', 'mnt/pgbouncer', '/mnt/pgbouncer/files', '/mnt/', '/mnt/..'])('rejects the mount path %s: Lambda mounts directly under /mnt/', (mountPath) => {
      // GIVEN a mount path that is not directly under /mnt/
      // WHEN
      const problems = problemsOf(withSwitch((s) => (s.fileSystem.mountPath = mountPath)));
      // THEN
      expect(problems).toEqual([
        `environment 'dev': migrations[0].switch.fileSystem.mountPath: must be an absolute path directly under /mnt/, where Lambda mounts file systems, such as '/mnt/pgbouncer', got ${JSON.stringify(mountPath)}`,
      ]);
    });

    it.each(['/etc/pgbouncer/orders.ini', '/mnt/pgbouncer-other/orders.ini', '/mnt/pgbouncer/../orders.ini'])('rejects the databasesFile %s outside the mounted file system', (databasesFile) => {
      // GIVEN a databasesFile outside the mount path
      // WHEN / THEN the configuration is refused
      expect(problemsOf(withSwitch((s) => (s.databasesFile = databasesFile)))).toEqual([
        `environment 'dev': migrations[0].switch.databasesFile: must be inside fileSystem.mountPath (/mnt/pgbouncer/...): only that file system is writable where the switch runs, ` +
          `and the PgBouncer host reads the same file from it, got ${JSON.stringify(databasesFile)}`,
      ]);
    });
  });

  it('rejects an unknown switch strategy', () => {
    // GIVEN the strategy 'dns'
    // WHEN / THEN the configuration is refused, listing the strategies there are
    expect(problemsOf((env) => (env.migrations[0].switch = { strategy: 'dns' }))).toEqual([
      "environment 'dev': migrations[0].switch.strategy: strategy must be one of 'ssm-parameter', 'secrets-manager', 'route53', 'pgbouncer', got \"dns\"",
    ]);
  });

  it('rejects a duplicate migration id', () => {
    // GIVEN two migrations with the id orders
    // WHEN
    const problems = problemsOf((env) => env.migrations.push({ ...env.migrations[0], id: 'orders' }));
    // THEN
    expect(problems).toEqual(["environment 'dev': migrations[1].id: duplicate migration id 'orders' (also migrations[0]), got \"orders\""]);
  });

  it('still reports a duplicate migration id when another field is also wrong', () => {
    // GIVEN a duplicate id and a wrong region
    // WHEN
    const problems = problemsOf((env) => {
      env.migrations.push({ ...env.migrations[0], id: 'orders' });
      env.region = 'nowhere';
    });
    // THEN both are reported
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/region: must be an AWS region/);
    expect(problems[1]).toMatch(/duplicate migration id 'orders'/);
  });

  it.each([
    ['cron(0 * * * * *)', "exactly one of day-of-month and day-of-week must be '?'"],
    ['cron(0 * * * ?)', 'a cron expression needs 6 fields'],
    ['cron(61 * * * ? *)', "minutes field '61': '61' is outside 0-59"],
    ['cron(0 25 * * ? *)', "hours field '25': '25' is outside 0-23"],
    ['cron(0 0 ? FOO MON *)', "month field 'FOO': 'FOO' is not a valid value"],
    ['0 * * * *', "must be 'cron(minutes hours day-of-month month day-of-week year)' or 'rate(value unit)'"],
    ['rate(1 hours)', "use 'rate(1 hour)'"],
  ])('rejects the invalid drift schedule %s', (schedule, message) => {
    // GIVEN an invalid schedule expression
    // WHEN
    const problems = problemsOf((env) => (env.migrations[0].drift = { schedule }));
    // THEN one problem names the field and says what is wrong
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("environment 'dev': migrations[0].drift.schedule: ");
    expect(problems[0]).toContain(message);
  });

  it.each(['cron(0 * * * ? *)', 'cron(15 2 ? * MON-FRI *)', 'cron(0/10 8-17 L * ? 2026-2030)', 'cron(0 12 ? * 6#3 *)', 'rate(5 minutes)', 'rate(1 day)'])(
    'accepts the valid drift schedule %s',
    (schedule) => {
      // GIVEN a valid schedule expression
      // WHEN / THEN it is accepted
      expect(problemsOf((env) => (env.migrations[0].drift = { schedule }))).toEqual([]);
    },
  );

  it('rejects an unknown time zone', () => {
    // GIVEN a time zone IANA does not know
    // WHEN / THEN the configuration is refused
    expect(problemsOf((env) => (env.migrations[0].drift = { timeZone: 'Europe/Atlantis' }))).toEqual([
      "environment 'dev': migrations[0].drift.timeZone: 'Europe/Atlantis' is not an IANA time zone name (for example 'UTC' or 'Europe/Berlin'), got \"Europe/Atlantis\"",
    ]);
  });

  it.each([
    ['a non-ARN', 'orders-source'],
    ['an ARN of another service', 'arn:aws:s3:::orders-source'],
    ['an ARN with a short account', 'arn:aws:secretsmanager:eu-west-1:1234:secret:orders'],
  ])('rejects %s as a secret ARN', (_what, secretArn) => {
    // GIVEN a target secret that is not a Secrets Manager ARN
    // WHEN
    const problems = problemsOf((env) => (env.migrations[0].target.secretArn = secretArn));
    // THEN
    expect(problems).toEqual([
      `environment 'dev': migrations[0].target.secretArn: must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>), got "${secretArn}"`,
    ]);
  });

  it('takes thresholds.stallMinutes from 5 to 1440 minutes, and refuses others naming the field and the bound', () => {
    // GIVEN / WHEN a stall window within the bounds
    const env = validEnvironment();
    env.migrations[0]!.thresholds = { stallMinutes: 30 };
    // THEN it is kept
    expect(parseEnvironments({ dev: env }).dev!.migrations[0]!.thresholds.stallMinutes).toBe(30);
    // and a window too short, too long or fractional is refused
    expect(problemsOf((e) => (e.migrations[0].thresholds = { stallMinutes: 4 }))).toEqual([
      "environment 'dev': migrations[0].thresholds.stallMinutes: Too small: expected number to be >=5, got 4",
    ]);
    expect(problemsOf((e) => (e.migrations[0].thresholds = { stallMinutes: 1441 }))).toEqual([
      "environment 'dev': migrations[0].thresholds.stallMinutes: Too big: expected number to be <=1440, got 1441",
    ]);
    expect(problemsOf((e) => (e.migrations[0].thresholds = { stallMinutes: 7.5 }))).toHaveLength(1);
  });

  it('defers indexes by default with the native engine only, and refuses index-build settings out of bounds naming the field', () => {
    // GIVEN a native and a DMS migration with no fullLoad section
    const native = parseEnvironments({ dev: validEnvironment() }).dev!.migrations[0]!;
    const dms = parseEnvironments({ dev: { ...validEnvironment(), migrations: [{ ...validEnvironment().migrations[0]!, replication: { engine: 'dms-instance' } }] } }).dev!.migrations[0]!;
    // THEN the defaults are filled, and only native drops the indexes for the copy
    expect(native.fullLoad).toEqual({
      indexBuild: { maintenanceWorkMemMb: 1024, parallelWorkers: 2, concurrentBuilds: 2 },
      parallelTableMb: 1024,
      rangesPerTable: 4,
      copyWorkers: 4,
      dms: { maxFullLoadSubTasks: 8, commitRate: 10_000, batchApply: false },
    });
    expect([defersIndexes(native), defersIndexes(dms)]).toEqual([true, false]);
    expect(defersIndexes({ ...dms, fullLoad: { ...dms.fullLoad, deferIndexes: true } })).toBe(true);
    // and bad values are refused by field
    expect(problemsOf((e) => (e.migrations[0].fullLoad = { indexBuild: { concurrentBuilds: 0 } }))).toEqual([
      "environment 'dev': migrations[0].fullLoad.indexBuild.concurrentBuilds: Too small: expected number to be >=1, got 0",
    ]);
    expect(problemsOf((e) => (e.migrations[0].fullLoad = { deferIndexes: 'yes' }))).toEqual([
      "environment 'dev': migrations[0].fullLoad.deferIndexes: expected boolean, got \"yes\"",
    ]);
    expect(problemsOf((e) => (e.migrations[0].fullLoad = { dms: { maxFullLoadSubTasks: 50 } }))).toEqual([
      "environment 'dev': migrations[0].fullLoad.dms.maxFullLoadSubTasks: Too big: expected number to be <=49, got 50",
    ]);
  });

  it('rejects an unknown key so that typos do not pass silently', () => {
    // GIVEN misspelt keys, in a section and at the top level
    // WHEN / THEN each is refused, naming it
    expect(problemsOf((env) => (env.migrations[0].thresholds = { maxLagSecond: 3 }))).toEqual([
      "environment 'dev': migrations[0].thresholds: unknown key 'maxLagSecond' (check the spelling; unknown keys are rejected)",
    ]);
    expect(problemsOf((env) => (env.retainStatefulResource = false))).toEqual([
      "environment 'dev': (top level): unknown key 'retainStatefulResource' (check the spelling; unknown keys are rejected)",
    ]);
  });

  it('reports one message per problem across environments', () => {
    // GIVEN dev without an account, and prod with one subnet
    const dev = validEnvironment();
    const prod = validEnvironment();
    delete (dev as any).account;
    (prod.network as any).subnetIds = ['subnet-0123456789abcdef0'];
    try {
      // WHEN
      parseEnvironments({ dev, prod });
      expect.unreachable('a bad configuration must throw');
    } catch (error) {
      // THEN the error lists every problem of both
      expect((error as ConfigError).problems).toEqual([
        "environment 'dev': account: missing (expected string)",
        "environment 'prod': network.subnetIds: must list at least 2 subnets (in different availability zones)",
        "environment 'prod': network.availabilityZones: must name one zone per subnet (1 subnets, 2 zones)",
      ]);
      expect((error as ConfigError).message).toContain('Invalid Ferry configuration');
    }
  });

  it('rejects a target that is the source', () => {
    // GIVEN a target on the source's host, port and database
    // WHEN
    const problems = problemsOf((env) => (env.migrations[0].target.host = env.migrations[0].source.host));
    // THEN
    expect(problems).toEqual(["environment 'dev': migrations[0].target: must differ from source (same host, port and database)"]);
  });

  it('rejects a capacity that DMS Serverless does not offer, naming the field and the choices', () => {
    // GIVEN 3 capacity units
    // WHEN
    const problems = problemsOf(
      (env) => (env.migrations[0].replication = { engine: 'dms-serverless', minCapacityUnits: 3, maxCapacityUnits: 16 }),
    );
    // THEN
    expect(problems).toEqual([
      "environment 'dev': migrations[0].replication.minCapacityUnits: must be a DMS Serverless capacity: one of 1, 2, 4, 8, 16, 32, 64, 128, 192, 256, 384, got 3",
    ]);
  });

  it('rejects a DMS Serverless capacity range that is upside down', () => {
    // GIVEN at least 8 and at most 4 capacity units
    // WHEN
    const problems = problemsOf(
      (env) => (env.migrations[0].replication = { engine: 'dms-serverless', minCapacityUnits: 8, maxCapacityUnits: 4 }),
    );
    // THEN
    expect(problems).toEqual(["environment 'dev': migrations[0].replication.minCapacityUnits: must not exceed maxCapacityUnits (4), got 8"]);
  });

  it('accepts a DMS certificate for a database and rejects anything that is not a DMS certificate ARN', () => {
    // GIVEN a DMS certificate, and an ACM certificate
    const cert = 'arn:aws:dms:eu-west-1:123456789012:cert:ABCDEFGHIJKLMNOP';
    // WHEN / THEN the first is accepted, the second refused
    expect(problemsOf((env) => (env.migrations[0].target.dmsCertificateArn = cert))).toEqual([]);
    expect(problemsOf((env) => (env.migrations[0].source.dmsCertificateArn = 'arn:aws:acm:eu-west-1:123456789012:certificate/abc'))).toEqual([
      "environment 'dev': migrations[0].source.dmsCertificateArn: must be a DMS certificate ARN (arn:aws:dms:<region>:<account>:cert:<id>), got \"arn:aws:acm:eu-west-1:123456789012:certificate/abc\"",
    ]);
  });

  it('says what to add when the context has no environments at all', () => {
    // GIVEN no environments key in the context
    // WHEN / THEN the error says what to add
    expect(() => parseEnvironments(undefined)).toThrow(/add an "environments" object to the cdk.json context/);
  });
});
