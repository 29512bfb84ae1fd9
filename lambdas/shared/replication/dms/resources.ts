import { z } from 'zod';

/**
 * The DMS resources the stack deployed for one migration, as the functions see them: the CDK app
 * writes a record per DMS migration into the FERRY_DMS environment variable (JSON, keyed by
 * migration id), and the DMS adapter reads it. ARNs only, never credentials.
 */
const replicationConfigArn = z.string().regex(/^arn:aws[a-z-]*:dms:[a-z0-9-]+:\d{12}:replication-config:[A-Za-z0-9-]+$/, 'must be a DMS replication config ARN');
const replicationTaskArn = z.string().regex(/^arn:aws[a-z-]*:dms:[a-z0-9-]+:\d{12}:task:[A-Za-z0-9-]+$/, 'must be a DMS replication task ARN');

export const DmsResourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    /** DMS Serverless: one replication config per direction. */
    kind: z.literal('serverless'),
    /** Full load + CDC, source -> target. */
    forwardArn: replicationConfigArn,
    /** CDC only, target -> source, for rollback. */
    reverseArn: replicationConfigArn,
  }),
  z.strictObject({
    /** A replication instance running one task per direction. */
    kind: z.literal('instance'),
    forwardArn: replicationTaskArn,
    reverseArn: replicationTaskArn,
  }),
]);

export const DmsResourcesSchema = z.record(z.string(), DmsResourceSchema);

export type DmsResource = z.infer<typeof DmsResourceSchema>;

/** Name of the environment variable holding `Record<migrationId, DmsResource>` as JSON. */
export const DMS_RESOURCES_ENV = 'FERRY_DMS';

/**
 * The logical replication slot the reverse (rollback) replication reads on the target. DMS can
 * start CDC on PostgreSQL at a chosen position only from a slot created beforehand and named on
 * the endpoint, so the stack names it and the cutover creates it on the target while writes are
 * frozen: every write on the target after that moment is in the slot.
 */
export function dmsReverseSlotName(migrationId: string): string {
  return `ferry_${migrationId.replace(/-/g, '_')}_reverse`;
}
