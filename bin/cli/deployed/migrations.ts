import { UsageError } from '../usage-error';
import type { DeployedEnvironment } from './environment';

/** The migrations a command works on: the one `--migration` names (which must be configured), or all of them. */
export function selectMigrations(env: DeployedEnvironment, migration: string | undefined): string[] {
  const known = env.config.migrations.map((m) => m.id);
  if (migration === undefined) return known;
  if (!known.includes(migration)) throw new UsageError(`--migration: no migration '${migration}' in environment '${env.name}' (known: ${known.join(', ')})`);
  return [migration];
}

/** The one migration a command works on: `--migration`, or the environment's only one. */
export function selectMigration(env: DeployedEnvironment, migration: string | undefined): string {
  const selected = selectMigrations(env, migration);
  if (selected.length !== 1) throw new UsageError(`--migration: environment '${env.name}' has ${selected.length} migrations (${selected.join(', ')}): name one`);
  return selected[0]!;
}
