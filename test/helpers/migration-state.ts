import type { MigrationState, Phase, TransitionRecord } from '../../lambdas/shared/checkpoints';

/** A migration's state after it went through `path` (from `new`), one minute apart, the last move at `lastAt`. */
export function stateAfter(path: readonly Phase[], lastAt: number, migrationId = 'orders'): MigrationState {
  const minute = 60_000;
  const history: TransitionRecord[] = path.map((to, i) => ({
    from: i === 0 ? 'new' : path[i - 1]!,
    to,
    version: i + 2,
    at: new Date(lastAt - (path.length - 1 - i) * minute).toISOString(),
    reason: `test moves to ${to}`,
  }));
  return {
    migrationId,
    phase: path.at(-1) ?? 'new',
    version: path.length + 1,
    createdAt: new Date(lastAt - path.length * minute).toISOString(),
    updatedAt: new Date(lastAt).toISOString(),
    reason: history.at(-1)?.reason ?? 'created',
    history,
  };
}
