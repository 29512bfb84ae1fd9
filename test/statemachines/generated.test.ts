import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { workflowNames } from '../../lib/constructs/workflows/definitions';
import { STATEMACHINES_DIR } from '../../lib/constructs/workflows/steps';
import { catchAll, catcher, render, task } from '../../statemachines/source/asl';
import { generatedText, WORKFLOW_SOURCES } from '../../statemachines/source/index';
import { RETRY_POLICIES } from '../../statemachines/source/retry';

/**
 * statemachines/*.asl.json are generated from statemachines/source/*.ts: the committed files must
 * be exactly what their sources generate, so neither is edited without the other.
 */
const REGENERATE = 'statemachines/%s.asl.json is not what statemachines/source/%s.ts generates: run `npm run workflows:generate` (and edit the source, not the file)';

describe('statemachines/source/', () => {
  it('has a source for every committed workflow, and no source without its file', () => {
    expect(Object.keys(WORKFLOW_SOURCES).sort()).toEqual(workflowNames(STATEMACHINES_DIR));
  });

  describe.each(workflowNames(STATEMACHINES_DIR))('%s', (workflow) => {
    const committed = readFileSync(path.join(STATEMACHINES_DIR, `${workflow}.asl.json`), 'utf8');
    const message = REGENERATE.replaceAll('%s', workflow);

    it('generates the committed definition', () => {
      expect(JSON.parse(committed), message).toEqual(JSON.parse(generatedText(workflow)));
    });

    it('generates the committed file byte for byte', () => {
      expect(committed === generatedText(workflow), message).toBe(true);
    });
  });
});

describe('the helpers', () => {
  it('task: names the step once, and puts the Retry right before the Catch, Next or End', () => {
    const state = task('Drain', { retry: 'fast', Parameters: { 'id.$': '$.id' }, ResultPath: '$.drain', Catch: catchAll('Back out'), Next: 'Sequences', Comment: 'c' });
    expect(Object.keys(state)).toEqual(['Type', 'Resource', 'Parameters', 'ResultPath', 'Retry', 'Catch', 'Next', 'Comment']);
    expect(state).toMatchObject({ Type: 'Task', Resource: '${DrainFunctionArn}', Retry: RETRY_POLICIES.fast });
    expect(Object.keys(task('Lock', { ResultPath: '$.lock', End: true }))).toEqual(['Type', 'Resource', 'ResultPath', 'Retry', 'End']);
    expect(task('Lock', { ResultPath: '$.lock', End: true }).Retry).toEqual(RETRY_POLICIES.standard);
  });

  it('catcher and catchAll: the Catch entries of the files', () => {
    expect(catchAll('Report the failure')).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Report the failure' }]);
    expect(catcher(['LockHeldError'], 'Ignore', '$.held')).toEqual({ ErrorEquals: ['LockHeldError'], ResultPath: '$.held', Next: 'Ignore' });
  });

  it('render: two-space JSON with a final newline', () => {
    expect(render({ Comment: 'c', StartAt: 'A', TimeoutSeconds: 1, States: { A: { Type: 'Succeed' } } })).toBe(
      '{\n  "Comment": "c",\n  "StartAt": "A",\n  "TimeoutSeconds": 1,\n  "States": {\n    "A": {\n      "Type": "Succeed"\n    }\n  }\n}\n',
    );
  });
});
