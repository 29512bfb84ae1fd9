import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { generatedText, WORKFLOW_SOURCES } from './index';

/**
 * Writes statemachines/<workflow>.asl.json from statemachines/source/<workflow>.ts:
 * `npm run workflows:generate`. The written files are what the stack deploys, the local runner
 * runs and test/statemachines/generated.test.ts compares with the sources.
 */
const dir = path.join(__dirname, '..');
for (const name of Object.keys(WORKFLOW_SOURCES).sort()) {
  const file = path.join(dir, `${name}.asl.json`);
  writeFileSync(file, generatedText(name));
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
