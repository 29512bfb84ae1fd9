/**
 * DMS table mappings from Ferry's table patterns.
 *
 * Ferry's patterns (see lambdas/shared/compare/table-patterns.ts) are `schema.table`, where `*`
 * is any run of characters, `?` one character, and everything else literal and case-sensitive.
 * DMS selection rules use LIKE-style wildcards in `schema-name` and `table-name` (DMS user guide,
 * "Wildcards in table mapping"): `%` any run of characters, `_` one character, `[_]` a literal
 * underscore, `[ab]` / `[a-d]` a character set; the escape character setting exists for Oracle
 * endpoints only. So:
 *
 * | Ferry | DMS |
 * | --- | --- |
 * | `*` | `%` |
 * | `?` | `_` |
 * | literal `_` | `[_]` (else it would match any character) |
 * | literal `%`, `[`, `]` | no exact form on a PostgreSQL source: refused at synth time |
 *
 * Selection rules are case-sensitive, as PostgreSQL catalog names are. Include rules come first
 * and exclude rules after them, so the result is the same whether DMS lets an exclude win
 * outright or lets the later rule win: a table is replicated when an include matches it and no
 * exclude does, exactly as `compileSelection` decides.
 *
 * One rule more, last: an `explicit` selection of Ferry's cutover marker table
 * (`ferry.cutover_marker`, lambdas/shared/cutover/marker.ts), which the cutover writes on one side
 * and waits for on the other. The same mappings serve the forward and the reverse task, so it
 * travels both ways. `compileSelection` never selects schema `ferry` (so comparisons skip it);
 * DMS must carry this one table of it regardless. An exclude pattern that matches it is refused,
 * since DMS lets an exclude win and the cutover would then wait for a marker that never comes.
 */

/** The table part of a migration's configuration. */
export interface TablePatterns {
  readonly include: readonly string[];
  /** @default [] */
  readonly exclude?: readonly string[];
}

export interface DmsObjectLocator {
  readonly 'schema-name': string;
  readonly 'table-name': string;
}

export interface DmsSelectionRule {
  readonly 'rule-type': 'selection';
  readonly 'rule-id': string;
  readonly 'rule-name': string;
  readonly 'object-locator': DmsObjectLocator;
  /** `explicit`: exactly one table, named without wildcards. */
  readonly 'rule-action': 'include' | 'exclude' | 'explicit';
}

/**
 * The cutover marker table. Spelled out here because lib/ does not import runtime modules; a test
 * checks it against MARKER_TABLE.
 */
export const DMS_MARKER_TABLE: DmsObjectLocator = { 'schema-name': 'ferry', 'table-name': 'cutover_marker' };

/** The JSON document DMS takes as `TableMappings`. */
export interface DmsTableMappings {
  readonly rules: readonly DmsSelectionRule[];
}

/** Characters DMS reads as wildcards or set syntax and cannot escape on a PostgreSQL source. */
const UNESCAPABLE: Readonly<Record<string, string>> = {
  '%': "DMS reads '%' as a wildcard and has no escape for it",
  '[': "DMS reads '[' as the start of a character set and has no escape for it",
  ']': "DMS reads ']' as the end of a character set and has no escape for it",
};

/** Thrown at synth time when a pattern cannot be expressed exactly; the message names the field. */
export class TableMappingError extends Error {
  override readonly name = 'TableMappingError';
}

/**
 * Selection rules that replicate exactly the tables the patterns select. Throws
 * TableMappingError naming the migration and field (`tables.include[1]`) for a pattern that DMS
 * cannot express exactly.
 */
export function dmsTableMappings(migrationId: string, tables: TablePatterns): DmsTableMappings {
  const rules: DmsSelectionRule[] = [];
  const add = (action: 'include' | 'exclude', patterns: readonly string[]) =>
    patterns.forEach((pattern, index) => {
      const field = `tables.${action}[${index}]`;
      const id = String(rules.length + 1);
      rules.push({
        'rule-type': 'selection',
        'rule-id': id,
        'rule-name': `${action}${id}`,
        'object-locator': toObjectLocator(migrationId, field, pattern),
        'rule-action': action,
      });
    });
  add('include', tables.include);
  add('exclude', tables.exclude ?? []);
  (tables.exclude ?? []).forEach((pattern, index) => {
    if (matchesMarker(pattern)) {
      throw new TableMappingError(
        `migration '${migrationId}': tables.exclude[${index}]: '${pattern}' matches Ferry's cutover marker table ` +
          `${DMS_MARKER_TABLE['schema-name']}.${DMS_MARKER_TABLE['table-name']}, which DMS must replicate (Ferry's own schema is never compared anyway); narrow the pattern`,
      );
    }
  });
  // Explicit names are taken literally: no wildcards, so no [_] for the underscore.
  const id = String(rules.length + 1);
  rules.push({ 'rule-type': 'selection', 'rule-id': id, 'rule-name': `ferrymarker${id}`, 'object-locator': DMS_MARKER_TABLE, 'rule-action': 'explicit' });
  return { rules };
}

/** Whether a Ferry pattern (already validated) matches the marker table. */
function matchesMarker(pattern: string): boolean {
  const dot = pattern.indexOf('.');
  const like = (p: string, name: string) =>
    new RegExp(`^${p.replace(/[\\^$+.()|{}[\]]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's').test(name);
  return like(pattern.slice(0, dot), DMS_MARKER_TABLE['schema-name']) && like(pattern.slice(dot + 1), DMS_MARKER_TABLE['table-name']);
}

function toObjectLocator(migrationId: string, field: string, pattern: string): DmsObjectLocator {
  const where = `migration '${migrationId}': ${field}: '${pattern}'`;
  const dot = pattern.indexOf('.');
  if (dot <= 0 || dot === pattern.length - 1 || pattern.indexOf('.', dot + 1) !== -1) {
    throw new TableMappingError(`${where} must be 'schema.table' (wildcards * and ? allowed)`);
  }
  for (const char of pattern) {
    const reason = UNESCAPABLE[char];
    if (reason) throw new TableMappingError(`${where} cannot be expressed as a DMS table mapping: ${reason}`);
  }
  return { 'schema-name': toDmsLike(pattern.slice(0, dot)), 'table-name': toDmsLike(pattern.slice(dot + 1)) };
}

function toDmsLike(part: string): string {
  let out = '';
  for (const char of part) {
    if (char === '*') out += '%';
    else if (char === '?') out += '_';
    else if (char === '_') out += '[_]';
    else out += char;
  }
  return out;
}
