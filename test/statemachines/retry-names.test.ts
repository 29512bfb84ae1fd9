import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allStates } from '../../local/workflow-runner';
import { TRANSIENT_ERRORS } from '../../statemachines/source/retry';

const root = path.join(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

/** Every error class under lambdas/ that is (transitively) a TransientError, by its name. */
function transientErrorNames(): string[] {
  const parents = new Map<string, string>();
  for (const file of sourceFiles(path.join(root, 'lambdas'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/class (\w+) extends (\w+)/g)) parents.set(m[1]!, m[2]!);
  }
  const isTransient = (name: string): boolean => name === 'TransientError' || (parents.has(name) && isTransient(parents.get(name)!));
  return [...parents.keys(), 'TransientError'].filter(isTransient).sort();
}

const workflows = readdirSync(path.join(root, 'statemachines')).filter((f) => f.endsWith('.asl.json'));

describe('Retry in the state machines', () => {
  const transient = transientErrorNames();

  it('finds the transient errors the steps throw', () => {
    expect(transient).toEqual(expect.arrayContaining(['CheckpointTransientError', 'DatabaseConnectionError', 'ReplicationLagUnknownError', 'TransientError']));
  });

  // The one list the workflow sources retry (statemachines/source/retry.ts): exactly those classes.
  it('lists every transient error of Ferry, and nothing else, in TRANSIENT_ERRORS', () => {
    expect([...TRANSIENT_ERRORS].sort()).toEqual([...new Set(transient)]);
  });

  // Step Functions matches error names exactly, not classes: each transient subclass must be listed.
  it.each(workflows)('%s retries every transient error of Ferry, by name, in every Task', (file) => {
    const definition = JSON.parse(readFileSync(path.join(root, 'statemachines', file), 'utf8'));
    for (const [name, state] of allStates(definition.States)) {
      if (state.Type !== 'Task') continue;
      const retried = ((state as { Retry?: Array<{ ErrorEquals: string[] }> }).Retry ?? []).flatMap((r) => r.ErrorEquals);
      expect({ state: name, missing: transient.filter((t) => !retried.includes(t)) }).toEqual({ state: name, missing: [] });
    }
  });
});
