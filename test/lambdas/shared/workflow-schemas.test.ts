import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { LeaseSchema, RUN_SCHEMAS, WORKFLOW_NAMES } from '../../../lambdas/shared/workflow-schemas';
import { STATEMACHINES_DIR } from '../../../local/workflow-runner';

/** Every string in a definition, keys included (a `Parameters` key may hold a path too). */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...stringsOf(v)]);
  return [];
}

/** The field paths under `root` (`$.run`, `$.lease`) that a definition mentions, e.g. `polls.fullLoad`. */
function pathsUnder(definition: unknown, root: string): Set<string> {
  const pattern = new RegExp(`${root.replace(/[$.]/g, '\\$&')}((?:\\.[A-Za-z0-9_]+)+)`, 'g');
  const found = new Set<string>();
  for (const text of stringsOf(definition)) for (const match of text.matchAll(pattern)) found.add(match[1]!.slice(1));
  return found;
}

/** The fields a workflow writes into `root` itself (a ResultPath below it): workflow counters, not step input. */
function writtenUnder(definition: unknown, root: string): string[] {
  const written: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k === 'ResultPath' && typeof v === 'string' && v.startsWith(`${root}.`)) written.push(v.slice(root.length + 1));
        walk(v);
      }
    }
  };
  walk(definition);
  return written;
}

/** Whether `fields` (a dotted path) names a field of `schema`, through optional, default and readonly wrappers. */
function resolves(schema: z.ZodType, fields: string[]): boolean {
  let current = schema as unknown as { def: { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType } };
  for (const field of fields) {
    while (['optional', 'default', 'readonly', 'nullable'].includes(current.def.type)) current = current.def.innerType as never;
    if (current.def.type !== 'object' || !current.def.shape || !(field in current.def.shape)) return false;
    current = current.def.shape[field] as never;
  }
  return true;
}

const definitionOf = (workflow: string): unknown => JSON.parse(readFileSync(path.join(STATEMACHINES_DIR, `${workflow}.asl.json`), 'utf8'));

describe('the workflow schemas', () => {
  it('resolve the fields they declare, through wrappers, and nothing else', () => {
    expect(resolves(RUN_SCHEMAS.migrate, ['polls', 'fullLoad'])).toBe(true);
    expect(resolves(RUN_SCHEMAS.rollback, ['trigger', 'alarmName'])).toBe(true);
    expect(resolves(RUN_SCHEMAS.migrate, ['polls', 'nope'])).toBe(false);
    expect(resolves(RUN_SCHEMAS.cutover, ['migrationId', 'length'])).toBe(false);
  });

  describe.each(WORKFLOW_NAMES)('%s.asl.json', (workflow) => {
    const definition = definitionOf(workflow);
    const workflowWritten = writtenUnder(definition, '$.run');

    it('reads from $.run only fields of its run schema (or fields it wrote there itself)', () => {
      const read = [...pathsUnder(definition, '$.run')].filter((p) => !workflowWritten.some((w) => p === w || p.startsWith(`${w}.`)));
      expect(read.filter((p) => !resolves(RUN_SCHEMAS[workflow], p.split('.')))).toEqual([]);
    });

    it('reads from $.lease only fields of the lease', () => {
      expect([...pathsUnder(definition, '$.lease')].filter((p) => !resolves(LeaseSchema, p.split('.')))).toEqual([]);
    });
  });

  it('catch a path that no schema declares', () => {
    const made = { States: { A: { Type: 'Pass', Parameters: { 'x.$': '$.run.notAField' } } } };
    expect([...pathsUnder(made, '$.run')].filter((p) => !resolves(RUN_SCHEMAS.cutover, p.split('.')))).toEqual(['notAField']);
  });
});
