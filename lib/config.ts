import { z } from 'zod';
import { MigrationSchema } from '../lambdas/shared/migration-config';
import { ConfigError } from './config-error';

export { ConfigError };

/**
 * Per-environment configuration, read from the `environments` key of cdk.json context and
 * validated at synth time. Every default lives in these schemas.
 */

/** The context key in cdk.json that holds every environment's configuration. */
export const ENVIRONMENTS_CONTEXT_KEY = 'environments';

const subnetId = z.string().regex(/^subnet-[0-9a-f]{8,17}$/, "must be a subnet id such as 'subnet-0123456789abcdef0'");
const securityGroupId = z.string().regex(/^sg-[0-9a-f]{8,17}$/, "must be a security group id such as 'sg-0123456789abcdef0'");

export const NetworkSchema = z.strictObject({
  vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, "must be a VPC id such as 'vpc-0123456789abcdef0'"),
  /** Private subnets for the functions and replication, in at least two availability zones. */
  subnetIds: z
    .array(subnetId)
    .min(2, 'must list at least 2 subnets (in different availability zones)')
    .refine((ids) => new Set(ids).size === ids.length, 'must not list a subnet twice'),
  /** Availability zone of each subnet, in the same order (given so that synth needs no lookup). */
  availabilityZones: z.array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, "must be an availability zone such as 'eu-west-1a'")).min(2),
  /** Security groups attached to the functions; they must reach both databases. */
  securityGroupIds: z.array(securityGroupId).min(1, 'must list at least 1 security group'),
});

export const NotificationsSchema = z.strictObject({
  /** Addresses subscribed to the notification topic (each confirms by email). @default [] */
  emails: z.array(z.email('must be an email address')).default([]),
  /** Also publish to an existing SNS topic (for example a chat integration). */
  extraTopicArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'must be an SNS topic ARN')
    .optional(),
});

export const EnvironmentSchema = z
  .strictObject({
    account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region such as 'eu-west-1'"),
    network: NetworkSchema,
    /** @default { emails: [] } */
    notifications: NotificationsSchema.default({ emails: [] }),
    /**
     * Keep the checkpoint table and logs when the stack is deleted, and protect the table from deletion.
     * @default true
     */
    retainStatefulResources: z.boolean().default(true),
    migrations: z.array(MigrationSchema).min(1, 'must list at least one migration'),
  })
  // `when: () => true`: report these even when other fields already failed, so one synth lists
  // every problem. The value may then be partly invalid, hence the defensive reads.
  .superRefine(
    (env, ctx) => {
      const network = env.network as Partial<EnvironmentConfig['network']> | undefined;
      const zones = network?.availabilityZones;
      const subnets = network?.subnetIds;
      if (Array.isArray(zones) && Array.isArray(subnets) && zones.length !== subnets.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['network', 'availabilityZones'],
          message: `must name one zone per subnet (${subnets.length} subnets, ${zones.length} zones)`,
        });
      }
      const migrations: unknown[] = Array.isArray(env.migrations) ? env.migrations : [];
      const seen = new Map<unknown, number>();
      migrations.forEach((m, i) => {
        const id = (m as { id?: unknown } | null)?.id;
        if (typeof id !== 'string') return;
        const first = seen.get(id);
        if (first === undefined) seen.set(id, i);
        else ctx.addIssue({ code: 'custom', path: ['migrations', i, 'id'], message: `duplicate migration id '${id}' (also migrations[${first}])` });
      });
    },
    { when: () => true },
  );

export const EnvironmentsSchema = z
  .record(z.string().regex(/^[a-z][a-z0-9-]{0,19}$/, 'environment names are 1-20 lower-case letters, digits and -'), EnvironmentSchema)
  .refine((envs) => Object.keys(envs).length > 0, 'must define at least one environment');

export type EnvironmentConfig = z.infer<typeof EnvironmentSchema>;
export type EnvironmentConfigInput = z.input<typeof EnvironmentSchema>;

/** Parses the `environments` context value; throws ConfigError listing every problem. */
export function parseEnvironments(raw: unknown): Record<string, EnvironmentConfig> {
  if (raw === undefined) throw new ConfigError(['environments: missing; add an "environments" object to the cdk.json context']);
  const result = EnvironmentsSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => describeIssue(issue, raw)));
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const [env, ...rest] = issue.path;
  const where = env === undefined ? 'environments' : `environment '${String(env)}'`;
  const field = formatPath(rest);
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => `'${k}'`).join(', ');
    return `${where}: ${field || '(top level)'}: unknown key ${keys} (check the spelling; unknown keys are rejected)`;
  }
  const received = valueAt(raw, issue.path);
  const got = received === undefined || typeof received === 'object' ? '' : `, got ${JSON.stringify(received)}`;
  if (issue.code === 'invalid_type') {
    const message = received === undefined ? `missing (expected ${issue.expected})` : `expected ${issue.expected}${got}`;
    return `${where}: ${field || '(top level)'}: ${message}`;
  }
  return `${where}: ${field || '(top level)'}: ${issue.message}${got}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '');
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = raw;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}
