import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** A workflow definition file, read and looked at before anything is deployed. */
export interface WorkflowDefinition {
  /** `migrate` for `migrate.asl.json`. */
  readonly name: string;
  readonly file: string;
  readonly text: string;
  /** The `${Name}` placeholders it uses, sorted, each once. */
  readonly placeholders: readonly string[];
  /** The definition's top-level TimeoutSeconds, if it has one. */
  readonly timeoutSeconds?: number;
}

/** Suffix of a workflow definition file in statemachines/. */
export const DEFINITION_SUFFIX = '.asl.json';

const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;

/** The `${Name}` placeholders in a definition's text, sorted, each once. */
export function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))].sort();
}

/** Replaces each `${Name}` with `value(Name)`. */
export function substitutePlaceholders(text: string, value: (placeholder: string) => string): string {
  return text.replace(PLACEHOLDER, (_, name: string) => value(name));
}

/** Workflow names, from the `*.asl.json` files directly in `dir` (examples/ and other folders are not workflows). */
export function workflowNames(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(DEFINITION_SUFFIX))
    .map((entry) => entry.name.slice(0, -DEFINITION_SUFFIX.length))
    .sort();
}

/** Reads `<dir>/<name>.asl.json`. Throws, naming the file, when it is not JSON. */
export function readDefinition(dir: string, name: string): WorkflowDefinition {
  const file = path.join(dir, `${name}${DEFINITION_SUFFIX}`);
  const text = readFileSync(file, 'utf8');
  let parsed: unknown;
  try {
    // Placeholders sit inside JSON strings, so the file parses as it is.
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${relative(file)}: not valid JSON (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  const timeout = (parsed as { TimeoutSeconds?: unknown } | null)?.TimeoutSeconds;
  return {
    name,
    file,
    text,
    placeholders: placeholdersOf(text),
    timeoutSeconds: typeof timeout === 'number' ? timeout : undefined,
  };
}

/** `statemachines/migrate.asl.json` rather than an absolute path, for messages. */
export function relative(file: string): string {
  return path.join(path.basename(path.dirname(file)), path.basename(file));
}
