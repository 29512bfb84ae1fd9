import { Option, type Command } from 'commander';
import type { z } from 'zod';
import { WORKFLOW_INPUT_SCHEMAS } from '../../../lambdas/shared/workflow-inputs';
import { UsageError } from '../usage-error';
import type { WorkflowName } from './environment';

/**
 * `ferry start <workflow>`'s flags, one per field of the workflow's console input schema
 * (lambdas/shared/workflow-inputs.ts), derived from the schema's shape: its type (boolean flag,
 * number, text, list, one of a set), its default and whether it is required. The values are
 * validated with the same schema, and its errors name the flag. `migrationId` is `--migration`.
 */

type Schemas = typeof WORKFLOW_INPUT_SCHEMAS;
type FieldOf<W extends WorkflowName> = Exclude<keyof z.input<Schemas[W]>, 'migrationId'> & string;

/** What each field is for, as the flag's help says it. Typed by the schemas: a new field without help does not compile. */
const FIELD_HELP: { readonly [W in WorkflowName]: { readonly [F in FieldOf<W>]-?: string } } = {
  migrate: {
    waive: 'preflight check ids whose errors do not block the start',
    restart: "start a new run (preflight and every comparison again) instead of resuming the migration's current one",
    settleMs: 'milliseconds before a difference found under live replication is compared again',
  },
  cutover: { fullComparison: 'compare every table while frozen, not only those written since the last comparison' },
  rollback: { reason: 'why you roll back (it goes into the history and the notification)', alarmName: 'the alarm that asked for it (alarm rules set this)' },
  finish: { force: 'finish a cut-over migration before its observation window ends', scheduled: "set by the schedule a cutover creates, not by people" },
  drift: { action: "'snapshot' stores the target's schema as the cutover does; 'check' compares", data: 'override the configured drift.data for this one check' },
};

/** One flag, as the schema's shape gives it. */
export interface InputFlag {
  readonly field: string;
  /** `--settle-ms` */
  readonly flag: string;
  readonly type: 'boolean' | 'number' | 'string' | 'list' | 'choice';
  readonly choices?: readonly string[];
  readonly defaultValue?: unknown;
  readonly required: boolean;
  readonly description: string;
}

const kebab = (field: string) => field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The fields of `workflow`'s input other than migrationId, as flags. */
export function inputFlags(workflow: WorkflowName): InputFlag[] {
  const help = FIELD_HELP[workflow] as Record<string, string>;
  return Object.entries(WORKFLOW_INPUT_SCHEMAS[workflow].shape)
    .filter(([field]) => field !== 'migrationId')
    .map(([field, schema]) => {
      let def = (schema as z.ZodType)._zod.def as { type: string; innerType?: z.ZodType; defaultValue?: unknown; entries?: Record<string, string> };
      let required = true;
      let defaultValue: unknown;
      if (def.type === 'default') {
        defaultValue = def.defaultValue;
        required = false;
      }
      if (def.type === 'default' || def.type === 'optional') {
        if (def.type === 'optional') required = false;
        def = def.innerType!._zod.def as typeof def;
      }
      const type = def.type === 'array' ? 'list' : def.type === 'enum' ? 'choice' : def.type;
      if (type !== 'boolean' && type !== 'number' && type !== 'string' && type !== 'list' && type !== 'choice') {
        throw new Error(`ferry start ${workflow}: input field '${field}' is a ${def.type}, which has no flag form yet`);
      }
      return {
        field,
        flag: `--${kebab(field)}`,
        type,
        ...(type === 'choice' ? { choices: Object.values(def.entries ?? {}) } : {}),
        ...(defaultValue === undefined ? {} : { defaultValue }),
        required,
        description: help[field] ?? field,
      };
    });
}

/** Adds `workflow`'s input flags to its `ferry start` subcommand. Commander applies no default: the schema does. */
export function addInputOptions(command: Command, workflow: WorkflowName): void {
  for (const f of inputFlags(workflow)) {
    const shown = [
      f.required ? 'required' : undefined,
      f.choices ? `one of ${f.choices.join(', ')}` : undefined,
      f.defaultValue === undefined ? undefined : `default ${JSON.stringify(f.defaultValue)}`,
    ].filter(Boolean);
    const description = `${f.description}${shown.length > 0 ? ` (${shown.join('; ')})` : ''}`;
    const value = { boolean: '', number: ' <n>', string: ' <text>', list: ' <value...>', choice: ` <${f.choices?.join('|')}>` }[f.type];
    const option = new Option(`${f.flag}${value}`, description);
    if (f.type === 'number') option.argParser(numberOf(f.flag));
    command.addOption(option);
  }
}

const numberOf = (flag: string) => (text: string) => {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag}: expected a number, got '${text}'`);
  return n;
};

/**
 * The input to start `workflow` with: `--migration` and the flags given (commander's camelCase
 * keys), checked by the workflow's own schema. Only what was given is sent, so the deployed
 * workflow applies its own defaults. A problem is a UsageError naming the flag.
 */
export function workflowInput(workflow: WorkflowName, migrationId: string, values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const input: Record<string, unknown> = { migrationId };
  for (const f of inputFlags(workflow)) if (values[f.field] !== undefined) input[f.field] = values[f.field];
  const parsed = WORKFLOW_INPUT_SCHEMAS[workflow].safeParse(input);
  if (!parsed.success) {
    const flags = new Map(inputFlags(workflow).map((f) => [f.field, f.flag]));
    const problems = parsed.error.issues.map((issue) => {
      const field = String(issue.path[0] ?? '');
      const flag = field === 'migrationId' ? '--migration' : (flags.get(field) ?? field);
      const missing = issue.code === 'invalid_type' && input[field] === undefined;
      return `${flag}: ${missing ? 'is required' : issue.message}`;
    });
    throw new UsageError(`start ${workflow}: ${problems.join('; ')}`);
  }
  return input;
}
