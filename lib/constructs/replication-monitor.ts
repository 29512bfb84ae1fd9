import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface ReplicationMonitorProps {
  /** The replication-monitor step's function (made by `Workflows` from the step registry). */
  readonly monitorFunction: lambda.IFunction;
  /** The migrations it looks at; it publishes only for those whose replication should run. */
  readonly migrationIds: readonly string[];
}

/**
 * Runs the replication-monitor step once a minute, which publishes each migration's replication
 * health and lag for the rollback alarms, and its phase and progress for the stall alarm and the
 * dashboard. Once a minute because the alarms' datapoints are a
 * minute long (`RollbackAlarms`): a slower schedule would leave periods without data, which the
 * alarms read as not breaching.
 */
export class ReplicationMonitor extends Construct {
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: ReplicationMonitorProps) {
    super(scope, id);
    if (props.migrationIds.length === 0) throw new Error('ReplicationMonitor: no migrations to monitor');
    this.rule = new events.Rule(this, 'Schedule', {
      description: "Ferry: publishes each migration's replication lag, health and progress every minute, for the rollback and stall alarms and the dashboard",
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [
        new targets.LambdaFunction(props.monitorFunction, {
          event: events.RuleTargetInput.fromObject({ migrationIds: props.migrationIds }),
          // A reading is worth something only in its own minute; the next run comes anyway.
          maxEventAge: Duration.minutes(1),
          retryAttempts: 2,
        }),
      ],
    });
  }
}
