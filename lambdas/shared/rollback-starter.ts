import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { requiredEnv, ROLLBACK_STATE_MACHINE_ARN_ENV } from './runtime-config';

/** What starts the rollback workflow from code (the alarms start it through EventBridge). */
export interface RollbackStarter {
  /** Starts it once per `name` (a repeated call with the same name starts nothing); returns the execution id. */
  startRollback(name: string, input: { readonly migrationId: string; readonly reason: string }): Promise<string>;
}

/** The environment's rollback state machine, named by FERRY_ROLLBACK_STATE_MACHINE_ARN (set only on functions allowed to start it). */
export function sfnRollbackStarter(client: SFNClient = new SFNClient({})): RollbackStarter {
  return {
    async startRollback(name, input) {
      const stateMachineArn = requiredEnv(ROLLBACK_STATE_MACHINE_ARN_ENV);
      try {
        const out = await client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
        return out.executionArn ?? name;
      } catch (error) {
        // The same name within 90 days: an earlier delivery of the same event started it already.
        if (error instanceof ExecutionAlreadyExists) return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
        throw error;
      }
    },
  };
}

/** Execution names: at most 80 characters of letters, digits, - and _. */
export function rollbackExecutionName(endedExecutionArn: string): string {
  const endedName = endedExecutionArn.split(':').pop() ?? 'execution';
  return `after-${endedName}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 80);
}
