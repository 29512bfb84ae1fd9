import type { Phase } from '../shared/checkpoints';
import type { MigrationConfig } from '../shared/migration-config';
import type { Notification } from '../shared/notifier';

export interface PhaseChange {
  readonly from: Phase;
  readonly to: Phase;
  readonly reason: string;
  readonly runId: string;
  /** The lock owner that made the change (an execution ARN). */
  readonly by: string;
  /** Where the clients are, when the caller knows (the finish does). */
  readonly clientsOn?: 'source' | 'target';
}

/** `{"migrationId": "orders"}` as an operator pastes it into the console. */
const startInput = (migrationId: string, extra = '') => `{"migrationId": "${migrationId}"${extra}}`;

/**
 * What the operator should know and do once the migration is in a phase: one text per phase, so
 * every workflow that moves the migration (migrate, cutover, rollback, abort) tells the same story.
 */
const NEXT: { readonly [P in Phase]: (m: MigrationConfig, change: PhaseChange) => string } = {
  new: () => 'The migration is back at its start; nothing replicates. Start the migrate workflow to begin.',
  replicating: (m) =>
    `Replication started (or resumed); the migrate workflow waits for the full load and compares every table. ` +
    `Nothing to do yet: you will be told when the migration is ready for cutover (lag at most ${m.thresholds.maxLagSecondsForCutover} s). ` +
    `Keep schema changes off both databases until then.`,
  ready: (m) =>
    `Every table compared equal, every change since is verified, and replication lag is below ${m.thresholds.maxLagSecondsForCutover} s; replication keeps running. ` +
    `Start the cutover workflow with ${startInput(m.id)} when the application team is ready. ` +
    `Until then Ferry verifies every row that changes, on both databases, about once a minute; the cutover refuses to start if a row differs ` +
    `or if the newest verified change is older than ${m.verification.maxAgeSeconds} s.`,
  'cutting-over': (m) =>
    `The cutover is running: writes on the source are frozen for at most ${m.thresholds.maxWriteFreezeSeconds} s while the last changes reach the target. ` +
    `Do not stop the cutover workflow; watch it in the Step Functions console. It either switches the clients to the target or backs off and thaws the source by itself.`,
  'cut-over': (m) =>
    `The clients now use the target, and reverse replication keeps the source up to date. ` +
    `The observation window runs for ${m.thresholds.observationMinutes} minutes: a rollback alarm in that time starts the rollback workflow by itself. ` +
    `Watch the application's errors and latency.`,
  'rolling-back': (_m, change) =>
    (change.from === 'cut-over' || change.from === 'cutting-over'
      ? `The rollback workflow is moving the clients back to the source; writes made on the target in between are replayed there. `
      : `The rollback workflow is stopping replication; the clients stay on the source. `) +
    `Do not stop it; watch it in the Step Functions console.`,
  'rolled-back': (m) =>
    `The clients use the source again and no write was lost. Find out why the rollback happened (the alarm, the failure report), fix it, ` +
    `then start the migrate workflow with ${startInput(m.id, ', "restart": true')} to try again.`,
  aborted: (m) =>
    `The migration was aborted: the source stays in use. To try again, start the migrate workflow with ${startInput(m.id, ', "restart": true')}. ` +
    `To end it for good (replication objects and Ferry's tables removed), start the finish workflow with ${startInput(m.id)}.`,
  finishing: (m) =>
    `The finish workflow is stopping replication in both directions and removing what Ferry created on both databases. ` +
    `From now on no rollback can start. If it fails, start the finish workflow again with ${startInput(m.id)}: it goes on where it stopped.`,
  completed: (m, change) =>
    `Ferry stopped replication in both directions and removed from both databases every slot, publication, subscription and object it had created ` +
    `(the finish report lists them). Rollback alarms no longer act, and no workflow can move this migration again. ` +
    (change.clientsOn === 'target'
      ? `The clients stay on the target. The source stays frozen for the application roles (${m.freeze.roles.length > 0 ? m.freeze.roles.join(', ') : 'every application role'}), ` +
        `so a client still pointed at it fails instead of writing where nobody reads; retire it when you are ready (take a final snapshot first). `
      : `The clients stay on the source, which is writable; the target was never used by the clients. `) +
    `Left for you: remove migration "${m.id}" from cdk.json and deploy, which deletes its ${m.replication.engine !== 'native' ? 'DMS replication (instance or Serverless config), endpoints and ' : ''}` +
    `alarms; the checkpoint table keeps the migration's history and reports.`,
};

/** The `phase-changed` notification: what happened, and what the operator does next. */
export function phaseChangedNotification(migration: MigrationConfig, change: PhaseChange): Notification {
  return {
    migrationId: migration.id,
    event: 'phase-changed',
    subject: `Ferry ${migration.id}: phase ${change.to}`,
    message:
      `Migration "${migration.id}" moved from phase "${change.from}" to "${change.to}": ${change.reason}.\n\n` +
      `${NEXT[change.to](migration, change)}\n\n` +
      `Run: ${change.runId}\nBy: ${change.by}`,
  };
}
