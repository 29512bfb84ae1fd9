import { render, type Definition } from './asl';
import { cutover } from './cutover';
import { drift } from './drift';
import { finish } from './finish';
import { migrate } from './migrate';
import { rollback } from './rollback';

/** Each workflow's source, by the name of its file statemachines/<name>.asl.json. */
export const WORKFLOW_SOURCES: Readonly<Record<string, Definition>> = { cutover, drift, finish, migrate, rollback };

/** The text of statemachines/<name>.asl.json, as the source generates it. */
export function generatedText(name: string): string {
  const definition = WORKFLOW_SOURCES[name];
  if (definition === undefined) throw new RangeError(`statemachines/source/: no workflow ${name}`);
  return render(definition);
}
