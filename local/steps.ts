import { analyzeStep } from '../lambdas/analyze/step';
import { backOutStep } from '../lambdas/back-out/step';
import { drainStep } from '../lambdas/drain/step';
import { driftStep } from '../lambdas/drift/step';
import { finalCompareStep } from '../lambdas/final-compare/step';
import { freezeStep } from '../lambdas/freeze/step';
import { guardrailsStep } from '../lambdas/guardrails/step';
import { indexesStep } from '../lambdas/indexes/step';
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
import { placeholderOf, STEP_NAMES, type StepName } from '../lib/constructs/workflows/steps';
import type { LocalStep } from './workflow-runner';

/** The time a local compare step may run before it returns and the workflow calls it again. */
export const LOCAL_COMPARE_BUDGET_MS = 60_000;

/** How often a local index build step looks at the builds (5 s in AWS, where each invocation waits for minutes). */
export const LOCAL_INDEX_POLL_MS = 50;

/** A local verification round's deadline (the function has 5 minutes in AWS). */
export const LOCAL_VERIFY_BUDGET_MS = 4 * 60_000;

/**
 * Every step, by name, as it runs in-process. A record over the registry's step names
 * (lib/constructs/workflows/steps.ts), so the compiler fails when a step is missing here.
 */
export const LOCAL_STEP_FUNCTIONS: Readonly<Record<StepName, LocalStep>> = {
  'validate-input': validateInputStep,
  lock: lockStep,
  preflight: preflightStep,
  'start-replication': startReplicationStep,
  'replication-status': replicationStatusStep,
  analyze: analyzeStep,
  indexes: (event, runtime) => indexesStep(event, runtime, LOCAL_INDEX_POLL_MS),
  'start-capture': startCaptureStep,
  'list-tables': listTablesStep,
  compare: (event, runtime) => compareStep(event, runtime, Date.now() + LOCAL_COMPARE_BUDGET_MS),
  'comparison-verdict': comparisonVerdictStep,
  // Also the schedule's, every minute (lib/constructs/verification-schedule.ts).
  'verify-changes': (event, runtime) => verifyChangesStep(event, runtime, Date.now() + LOCAL_VERIFY_BUDGET_MS),
  'set-phase': setPhaseStep,
  'fail-run': failRunStep,
  guardrails: guardrailsStep,
  'restore-points': restorePointsStep,
  freeze: freezeStep,
  drain: drainStep,
  'sync-sequences': syncSequencesStep,
  'final-compare': finalCompareStep,
  'reverse-replication': reverseReplicationStep,
  switch: switchStep,
  'back-out': backOutStep,
  'rollback-plan': rollbackPlanStep,
  'stop-replication': stopReplicationStep,
  drift: driftStep,
  finish: finishStep,
  'schedule-finish': scheduleFinishStep,
  // Not called by a workflow: a schedule invokes it every minute.
  'replication-monitor': replicationMonitorStep,
  // Not called by a workflow: EventBridge invokes it when an execution is stopped or times out.
  'execution-ended': executionEndedStep,
};

/**
 * Each `${Placeholder}` of the state machines, mapped to the step its Lambda function runs: the
 * steps above under the placeholder their name gives (`finish` -> `FinishFunctionArn`), exactly as
 * the stack maps them to functions (lib/constructs/workflows).
 */
export const LOCAL_STEPS: Readonly<Record<string, LocalStep>> = Object.fromEntries(STEP_NAMES.map((name) => [placeholderOf(name), LOCAL_STEP_FUNCTIONS[name]]));
