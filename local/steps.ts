import { analyzeStep } from '../lambdas/analyze/step';
import { backOutStep } from '../lambdas/back-out/step';
import { drainStep } from '../lambdas/drain/step';
import { driftStep } from '../lambdas/drift/step';
import { finalCompareStep } from '../lambdas/final-compare/step';
import { freezeStep } from '../lambdas/freeze/step';
import { guardrailsStep } from '../lambdas/guardrails/step';
import { replicationMonitorStep } from '../lambdas/replication-monitor/step';
import { reverseReplicationStep } from '../lambdas/reverse-replication/step';
import { rollbackPlanStep } from '../lambdas/rollback-plan/step';
import { stopReplicationStep } from '../lambdas/stop-replication/step';
import { switchStep } from '../lambdas/switch/step';
import { syncSequencesStep } from '../lambdas/sync-sequences/step';
import { compareStep } from '../lambdas/compare/step';
import { comparisonVerdictStep } from '../lambdas/comparison-verdict/step';
import { executionEndedStep } from '../lambdas/execution-ended/step';
import { failRunStep } from '../lambdas/fail-run/step';
import { finishStep } from '../lambdas/finish/step';
import { restorePointsStep } from '../lambdas/restore-points/step';
import { scheduleFinishStep } from '../lambdas/schedule-finish/step';
import { listTablesStep } from '../lambdas/list-tables/step';
import { lockStep } from '../lambdas/lock/step';
import { preflightStep } from '../lambdas/preflight/step';
import { replicationStatusStep } from '../lambdas/replication-status/step';
import { setPhaseStep } from '../lambdas/set-phase/step';
import { startReplicationStep } from '../lambdas/start-replication/step';
import { validateInputStep } from '../lambdas/validate-input/step';
import { startCaptureStep } from '../lambdas/start-capture/step';
import { verifyChangesStep } from '../lambdas/verify-changes/step';
import type { LocalStep } from './workflow-runner';

/** The time a local compare step may run before it returns and the workflow calls it again. */
export const LOCAL_COMPARE_BUDGET_MS = 60_000;

/** A local verification round's deadline (the function has 5 minutes in AWS). */
export const LOCAL_VERIFY_BUDGET_MS = 4 * 60_000;

/**
 * Each `${Placeholder}` of the state machines, mapped to the step its Lambda function runs. The
 * stack maps the same names to functions (lib/constructs/workflows); a test checks both cover
 * every placeholder.
 */
export const LOCAL_STEPS: Readonly<Record<string, LocalStep>> = {
  ValidateInputFunctionArn: validateInputStep,
  LockFunctionArn: lockStep,
  PreflightFunctionArn: preflightStep,
  StartReplicationFunctionArn: startReplicationStep,
  ReplicationStatusFunctionArn: replicationStatusStep,
  AnalyzeFunctionArn: analyzeStep,
  StartCaptureFunctionArn: startCaptureStep,
  ListTablesFunctionArn: listTablesStep,
  CompareFunctionArn: (event, runtime) => compareStep(event, runtime, Date.now() + LOCAL_COMPARE_BUDGET_MS),
  ComparisonVerdictFunctionArn: comparisonVerdictStep,
  // Also the schedule's, every minute (lib/constructs/verification-schedule.ts).
  VerifyChangesFunctionArn: (event, runtime) => verifyChangesStep(event, runtime, Date.now() + LOCAL_VERIFY_BUDGET_MS),
  SetPhaseFunctionArn: setPhaseStep,
  FailRunFunctionArn: failRunStep,
  GuardrailsFunctionArn: guardrailsStep,
  RestorePointsFunctionArn: restorePointsStep,
  FreezeFunctionArn: freezeStep,
  DrainFunctionArn: drainStep,
  SyncSequencesFunctionArn: syncSequencesStep,
  FinalCompareFunctionArn: finalCompareStep,
  ReverseReplicationFunctionArn: reverseReplicationStep,
  SwitchFunctionArn: switchStep,
  BackOutFunctionArn: backOutStep,
  RollbackPlanFunctionArn: rollbackPlanStep,
  StopReplicationFunctionArn: stopReplicationStep,
  DriftFunctionArn: driftStep,
  FinishFunctionArn: finishStep,
  ScheduleFinishFunctionArn: scheduleFinishStep,
  // Not called by a workflow: a schedule invokes it every minute.
  ReplicationMonitorFunctionArn: replicationMonitorStep,
  // Not called by a workflow: EventBridge invokes it when an execution is stopped or times out.
  ExecutionEndedFunctionArn: executionEndedStep,
};
