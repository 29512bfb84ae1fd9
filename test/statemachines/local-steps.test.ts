import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STEP_FUNCTIONS } from '../../lib/constructs/workflows/steps';
import { CutoverInputSchema, DriftInputSchema, FinishInputSchema, MigrateInputSchema, RollbackInputSchema } from '../../lambdas/shared/workflow-inputs';
import { LOCAL_STEPS } from '../../local/steps';
import { placeholdersOf, STATEMACHINES_DIR } from '../../local/workflow-runner';

const workflows = readdirSync(STATEMACHINES_DIR).filter((f) => f.endsWith('.asl.json'));

/** The input schema each workflow validates in its first step. */
const INPUT_SCHEMAS: Record<string, { safeParse(v: unknown): { success: boolean; error?: unknown } }> = {
  migrate: MigrateInputSchema,
  cutover: CutoverInputSchema,
  rollback: RollbackInputSchema,
  drift: DriftInputSchema,
  finish: FinishInputSchema,
};

describe('the local runner and the stack', () => {
  it.each(workflows)('%s: every placeholder has a local step', (file) => {
    const used = placeholdersOf(readFileSync(path.join(STATEMACHINES_DIR, file), 'utf8'));
    expect(used.filter((p) => !(p in LOCAL_STEPS))).toEqual([]);
  });

  it('map the same placeholders to steps: what runs locally is what is deployed', () => {
    expect(Object.keys(LOCAL_STEPS).sort()).toEqual(STEP_FUNCTIONS.map((s) => s.placeholder).sort());
  });
});

describe('statemachines/examples', () => {
  const examples = readdirSync(path.join(STATEMACHINES_DIR, 'examples')).filter((f) => f.endsWith('.json'));

  it('has an example for every workflow', () => {
    for (const file of workflows) expect(examples.some((e) => e.startsWith(file.replace('.asl.json', '')))).toBe(true);
  });

  it.each(examples)('%s is one line of input the workflow accepts', (example) => {
    const text = readFileSync(path.join(STATEMACHINES_DIR, 'examples', example), 'utf8');
    const workflow = Object.keys(INPUT_SCHEMAS).find((w) => example.startsWith(w));
    expect(workflow, `no input schema for ${example}`).toBeDefined();
    expect(text.trim().split('\n')).toHaveLength(1);
    expect(INPUT_SCHEMAS[workflow!]!.safeParse(JSON.parse(text)).success).toBe(true);
  });
});
