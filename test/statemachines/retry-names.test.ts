import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allStates } from '../../local/workflow-runner';
import { TRANSIENT_ERROR_NAME } from '../../lambdas/shared/errors';
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

/** Every error name a state of the file retries or catches. */
function namesMatched(file: string): Array<{ state: string; type: string; retried: string[]; caught: string[] }> {
  const definition = JSON.parse(readFileSync(path.join(root, 'statemachines', file), 'utf8'));
  return allStates(definition.States).map(([state, s]) => {
    const blocks = s as { Retry?: Array<{ ErrorEquals: string[] }>; Catch?: Array<{ ErrorEquals: string[] }> };
    const names = (list?: Array<{ ErrorEquals: string[] }>) => (list ?? []).flatMap((b) => b.ErrorEquals);
    return { state, type: s.Type, retried: names(blocks.Retry), caught: names(blocks.Catch) };
  });
}

describe('Retry in the state machines', () => {
  const subclasses = transientErrorNames().filter((name) => name !== 'TransientError');

  it('finds the transient error classes the steps throw', () => {
    expect(subclasses).toEqual(expect.arrayContaining(['CheckpointTransientError', 'DatabaseConnectionError', 'ReplicationLagUnknownError']));
  });

  // The handler wrapper reports every subclass as TransientError, so that is the one name to retry.
  it('retries the transient errors by the one name Step Functions sees for them', () => {
    expect(TRANSIENT_ERRORS).toEqual([TRANSIENT_ERROR_NAME]);
  });

  it.each(workflows)('%s retries TransientError in every Task', (file) => {
    const tasks = namesMatched(file).filter(({ type }) => type === 'Task');
    expect(tasks.length).toBeGreaterThan(0);
    for (const { state, retried } of tasks) {
      expect({ state, retried: retried.includes(TRANSIENT_ERROR_NAME) }).toEqual({ state, retried: true });
    }
  });

  // A subclass name in a Retry or Catch would never match: Step Functions never sees it.
  it.each(workflows)('%s names no TransientError subclass in any Retry or Catch', (file) => {
    for (const { state, retried, caught } of namesMatched(file)) {
      expect({ state, names: [...retried, ...caught].filter((n) => subclasses.includes(n)) }).toEqual({ state, names: [] });
    }
  });
});
