import { Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

/** CloudWatch's limits on alarm names and descriptions. */
export const ALARM_NAME_LIMIT = 255;
export const ALARM_DESCRIPTION_LIMIT = 1024;

export interface RunbookAlarmProps extends Omit<cloudwatch.AlarmProps, 'alarmName' | 'alarmDescription'> {
  /** The name after the prefix: the alarm is `<namePrefix>-<name>`, cut to CloudWatch's 255 characters. */
  readonly name: string;
  /**
   * Start of the alarm's name.
   * @default - the stack name (`Ferry-<env>`)
   */
  readonly namePrefix?: string;
  /**
   * What the alarm going off means: the start of the description, and the part shortened (with
   * `…`) when the description would exceed CloudWatch's 1024 characters. A `means` with tokens
   * (resolved only at deploy) is never shortened: put them in `runbook`.
   */
  readonly means: string;
  /**
   * The rest of the description, never shortened: what happens next, where to look.
   * @default '' (the description is `means` alone)
   */
  readonly runbook?: string;
  /** Notified when the alarm goes to ALARM and when it goes back to OK. */
  readonly topic: sns.ITopic;
}

/**
 * A CloudWatch alarm whose description is the runbook an operator reads in it and in its
 * notification, named `<prefix>-<name>` within CloudWatch's limits, that notifies `topic` on ALARM
 * and on OK. It is a `cloudwatch.Alarm`: created in the caller's scope with the caller's id, it
 * has the logical id a plain `cloudwatch.Alarm` there would have.
 */
export class RunbookAlarm extends cloudwatch.Alarm {
  constructor(scope: Construct, id: string, props: RunbookAlarmProps) {
    const { name, namePrefix, means, runbook, topic, ...alarmProps } = props;
    const prefix = namePrefix ?? Stack.of(scope).stackName;
    super(scope, id, {
      ...alarmProps,
      alarmName: alarmNameOf(`${prefix}-${name}`),
      alarmDescription: runbookDescription(means, runbook ?? ''),
    });
    const notify = new actions.SnsAction(topic);
    this.addAlarmAction(notify);
    this.addOkAction(notify);
  }
}

/** `name` within CloudWatch's limit on alarm names (cut at the end); a name with tokens is left as it is. */
function alarmNameOf(name: string): string {
  return Token.isUnresolved(name) ? name : name.slice(0, ALARM_NAME_LIMIT);
}

/** `means` shortened so that `means + rest` fits CloudWatch's limit on descriptions; `rest` never is. */
function runbookDescription(means: string, rest: string): string {
  if (!Token.isUnresolved(rest) && rest.length >= ALARM_DESCRIPTION_LIMIT) {
    throw new Error(`RunbookAlarm: the runbook part of the description alone is ${rest.length} characters; CloudWatch allows ${ALARM_DESCRIPTION_LIMIT} in all`);
  }
  if (Token.isUnresolved(means)) return means + rest;
  const max = ALARM_DESCRIPTION_LIMIT - rest.length;
  return (means.length <= max ? means : `${means.slice(0, Math.max(0, max - 1))}…`) + rest;
}
