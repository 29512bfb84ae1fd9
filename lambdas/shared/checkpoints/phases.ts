/**
 * The migration's phases and the only moves between them. This table is the documentation: each
 * workflow moves the migration along one of these edges, and the store refuses every other move.
 *
 * - migrate:  new -> replicating -> ready (and ready -> replicating when lag grows again)
 * - cutover:  ready -> cutting-over -> cut-over, or back to ready if a guardrail stops it
 * - rollback: replicating | ready | cutting-over | cut-over -> rolling-back -> rolled-back
 * - abort:    before cutover only; a rolled-back or aborted migration can start replicating again
 * - finish:   cut-over (once the observation window has ended) | rolled-back | aborted -> finishing
 *             -> completed, which nothing leaves: replication, slots and Ferry's objects are gone.
 *             `finishing` is recorded before anything is stopped, so that no rollback can start
 *             on a migration whose reverse replication may already be gone.
 */
export const PHASES = [
  'new',
  'replicating',
  'ready',
  'cutting-over',
  'cut-over',
  'rolling-back',
  'rolled-back',
  'aborted',
  'finishing',
  'completed',
] as const;

export type Phase = (typeof PHASES)[number];

export const ALLOWED_TRANSITIONS: { readonly [From in Phase]: readonly Phase[] } = {
  new: ['replicating', 'aborted'],
  replicating: ['ready', 'rolling-back', 'aborted'],
  ready: ['cutting-over', 'replicating', 'rolling-back', 'aborted'],
  'cutting-over': ['cut-over', 'ready', 'rolling-back'],
  'cut-over': ['rolling-back', 'finishing'],
  'rolling-back': ['rolled-back', 'aborted'],
  'rolled-back': ['replicating', 'finishing'],
  aborted: ['replicating', 'finishing'],
  finishing: ['completed'],
  completed: [],
};

export function isPhase(value: unknown): value is Phase {
  return typeof value === 'string' && (PHASES as readonly string[]).includes(value);
}

/** Staying in the same phase is not a transition; it would only hide a confused caller. */
export function isAllowedTransition(from: Phase, to: Phase): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}
