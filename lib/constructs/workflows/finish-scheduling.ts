import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { FINISH_SCHEDULER_ROLE_ARN_ENV, FINISH_STATE_MACHINE_ARN_ENV, SCHEDULE_PREFIX_ENV } from '../../../lambdas/shared/finish-scheduler';
import type { StepResources } from './grants';

/** What the schedule-finish step needs to schedule the finish workflow, and the role the schedules run as. */
export interface FinishScheduling {
  /** The role EventBridge Scheduler starts the finish workflow as. */
  readonly role: iam.Role;
  /** The step's environment: the finish state machine's ARN, the role's ARN, the schedules' name prefix. */
  readonly environment: Readonly<Record<string, string>>;
  /** What 'schedule-finish' is granted on. */
  readonly grants: NonNullable<StepResources['finishSchedules']>;
}

/**
 * The role EventBridge Scheduler runs the finish schedules as, `FinishSchedulerRole` in `scope`
 * (it may start the finish state machine and nothing else, for this account only), and what the
 * scheduling step needs to know. The state machine's ARN is built from its name
 * (`<prefix>-<workflow>`), as the rollback's is: referencing it would make a cycle, since the state
 * machines reference the functions.
 */
export function finishSchedulingOf(scope: Construct, prefix: string, workflow: string): FinishScheduling {
  const stack = Stack.of(scope);
  const stateMachineArn = stateMachineArnOf(stack, `${prefix}-${workflow}`);
  const role = new iam.Role(scope, 'FinishSchedulerRole', {
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
    description: 'Ferry: EventBridge Scheduler starts the finish workflow when an observation window ends',
    inlinePolicies: {
      StartFinish: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [stateMachineArn] })] }),
    },
  });
  const scheduleArnPattern = stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `default/${prefix}-*` });
  const spelled = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<${pseudo}>` : value);
  const scheduleArnFinding =
    `arn:${spelled(stack.partition, 'AWS::Partition')}:scheduler:${spelled(stack.region, 'AWS::Region')}:${spelled(stack.account, 'AWS::AccountId')}:` +
    `schedule/default/${spelled(prefix, 'AWS::StackName')}-*`;
  return {
    role,
    environment: { [FINISH_STATE_MACHINE_ARN_ENV]: stateMachineArn, [FINISH_SCHEDULER_ROLE_ARN_ENV]: role.roleArn, [SCHEDULE_PREFIX_ENV]: prefix },
    grants: { scheduleArnPattern, scheduleArnFinding, schedulerRoleArn: role.roleArn },
  };
}

/** The ARN of the state machine named `name` in this stack's account and region, built rather than referenced. */
export function stateMachineArnOf(stack: Stack, name: string): string {
  return stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}
