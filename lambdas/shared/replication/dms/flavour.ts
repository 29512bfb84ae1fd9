import type { Dimension } from '@aws-sdk/client-cloudwatch';
import type { TableStatistics } from '@aws-sdk/client-database-migration-service';
import type { DmsReplicationView } from './view';

/** The DMS start types (StartReplicationTaskType / StartReplicationType). */
export type DmsStartType = 'start-replication' | 'resume-processing' | 'reload-target';

/**
 * The API calls of one DMS flavour. Instance-based tasks and DMS Serverless replications have
 * parallel but differently named operations and shapes; everything above this interface is shared.
 * Every method maps a missing resource to `ReplicationNotFoundError` (see aws-call.ts).
 */
export interface DmsFlavour {
  describe(arn: string): Promise<DmsReplicationView>;
  /** Every table's statistics, all pages. */
  tableStatistics(view: DmsReplicationView): Promise<TableStatistics[]>;
  start(view: DmsReplicationView, type: DmsStartType, cdcStartPosition?: string): Promise<void>;
  /** The replication's table mappings as DMS holds them (JSON text), or undefined when DMS returns none. */
  tableMappings(view: DmsReplicationView): Promise<string | undefined>;
  /**
   * Replaces the table mappings of a replication that has never run (ModifyReplicationTask /
   * ModifyReplicationConfig). An instance task is `modifying` for a while afterwards.
   */
  modifyTableMappings(view: DmsReplicationView, tableMappings: string): Promise<void>;
  stop(view: DmsReplicationView): Promise<void>;
  /** The CloudWatch dimensions of this replication's AWS/DMS CDC latency metrics. */
  latencyDimensions(view: DmsReplicationView): Promise<Dimension[]>;
}
