import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface VerificationScheduleProps {
  /** The verify-changes step's function (made by `Workflows` from the step registry). */
  readonly verifyFunction: lambda.IFunction;
  /** The migrations it verifies; a round runs only where a capture exists and the phase calls for one. */
  readonly migrationIds: readonly string[];
  /**
   * How often a round runs. Each round advances the capture slots, so this is also about how much
   * WAL a slot keeps, and how old the newest verified position is at most (plus a round's time).
   * @default Duration.minutes(1)
   */
  readonly interval?: Duration;
}

const DEFAULTS = { interval: Duration.minutes(1) };

/**
 * Runs a continuous-verification round for every migration about once a minute
 * (lambdas/verify-changes): the rows changed since the last round are compared on both databases
 * and the capture slots advance. A round that finds another still holding the migration's
 * verification lease skips; a missed minute only makes the next round larger.
 */
export class VerificationSchedule extends Construct {
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: VerificationScheduleProps) {
    super(scope, id);
    if (props.migrationIds.length === 0) throw new Error('VerificationSchedule: no migrations to verify');
    const interval = props.interval ?? DEFAULTS.interval;
    if (interval.toSeconds() < 60) throw new Error(`VerificationSchedule: interval must be at least 1 minute (EventBridge's finest rate), got ${interval.toHumanString()}`);
    this.rule = new events.Rule(this, 'Schedule', {
      description: 'Ferry: verifies the rows changed since the last round on both databases, for every migration',
      schedule: events.Schedule.rate(interval),
      targets: [
        new targets.LambdaFunction(props.verifyFunction, {
          event: events.RuleTargetInput.fromObject({ migrationIds: props.migrationIds }),
          // A late round is no better than the next one.
          maxEventAge: Duration.minutes(1),
          retryAttempts: 1,
        }),
      ],
    });
  }
}
