import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../../../lambdas/shared/catalog/metrics';
import * as reportCatalog from '../../../../lambdas/shared/catalog/reports';
import { REPORT_KINDS } from '../../../../lambdas/shared/catalog/reports';

const ROOT = path.resolve(__dirname, '../../../..');
const CATALOG_DIR = path.join(ROOT, 'lambdas/shared/catalog');
/** The store itself passes kinds through: its parameters are not call sites. */
const STORE_FILES = new Set(['lambdas/shared/checkpoints/reports.ts', 'lambdas/shared/checkpoints/store.ts']);

function typescriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : typescriptFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Runtime, CLI and local code, as `[path from the root, text]`. */
function sources(...dirs: string[]): Array<[string, string]> {
  return dirs.flatMap((dir) => typescriptFiles(path.join(ROOT, dir))).map((file) => [path.relative(ROOT, file).split(path.sep).join('/'), readFileSync(file, 'utf8')]);
}

/** Every `putReport(id, kind, ...)`, `latestReport(id, kind)` and `listReports(id, kind, ...)`: the kind as written. */
function reportCalls(): Array<{ file: string; call: string; kind: string }> {
  const calls: Array<{ file: string; call: string; kind: string }> = [];
  for (const [file, text] of sources('lambdas', 'bin', 'local')) {
    if (STORE_FILES.has(file)) continue;
    for (const m of text.matchAll(/\b(putReport|latestReport|listReports)(?:<[^>(]*>)?\(\s*[^,()]+(?:\([^()]*\))?\s*,\s*([^,)\s]+)/g)) {
      calls.push({ file, call: m[1]!, kind: m[2]! });
    }
  }
  return calls;
}

/** A local variable (camelCase), not a literal or an exported UPPER_CASE constant. */
const isVariable = (written: string) => /^[a-z]\w*$/.test(written);

/** A kind as written: a string literal, or the name of a constant the catalogue exports. */
function resolveKind(written: string): string | undefined {
  const literal = /^'([^']*)'$/.exec(written);
  if (literal) return literal[1];
  const value = (reportCatalog as Record<string, unknown>)[written];
  return typeof value === 'string' ? value : undefined;
}

describe('the report catalogue', () => {
  it('holds every report kind written or read anywhere in lambdas/, bin/ and local/', () => {
    // GIVEN every call of the store's report functions
    const calls = reportCalls();
    expect(calls.filter((c) => c.call === 'putReport').length).toBeGreaterThanOrEqual(Object.keys(REPORT_KINDS).length);

    // WHEN each kind written as a literal or a constant is resolved (a read whose kind is a
    // variable, as `ferry report <kind>` does, takes the store's ReportKind: the compiler checks it)
    const unknown = calls
      .filter((c) => !(c.call !== 'putReport' && isVariable(c.kind)))
      .filter((c) => !Object.hasOwn(REPORT_KINDS, resolveKind(c.kind) ?? ''))
      .map((c) => `${c.file}: ${c.call}(..., ${c.kind})`);

    // THEN each is in the catalogue
    expect(unknown, 'kinds missing from lambdas/shared/catalog/reports.ts (or not a constant it exports)').toEqual([]);
  });

  it('lists no kind that nothing writes', () => {
    // GIVEN the kinds written
    const written = new Set(reportCalls().filter((c) => c.call === 'putReport').map((c) => resolveKind(c.kind)));

    // THEN every catalogued kind is among them
    expect(Object.keys(REPORT_KINDS).filter((k) => !written.has(k))).toEqual([]);
  });

  it('is where every report kind constant is defined', () => {
    // GIVEN constants named like kinds, outside the catalogue
    const defined = sources('lambdas', 'bin', 'local')
      .filter(([file]) => !file.startsWith('lambdas/shared/catalog/'))
      .flatMap(([file, text]) => [...text.matchAll(/\bconst\s+(\w*_KIND)\s*=\s*'/g)].map((m) => `${file}: ${m[1]}`));

    // THEN there are none: they are re-exported from the catalogue
    expect(defined).toEqual([]);
  });

  it('gives each kind constant a catalogued kind', () => {
    const constants = Object.entries(reportCatalog).filter(([name]) => name.endsWith('_KIND'));
    expect(constants.length).toBeGreaterThan(0);
    for (const [name, kind] of constants) expect(Object.keys(REPORT_KINDS), name).toContain(kind);
  });
});

describe('the metric catalogue', () => {
  it('names each metric once, with a unit, its dimensions and a one-line description', () => {
    const entries = Object.values(METRICS);
    expect(new Set(entries.map((e) => e.name)).size).toBe(entries.length);
    for (const e of entries) {
      expect(e.name, e.name).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(e.dimensions, e.name).toContain('migrationId');
      expect(e.description, e.name).toMatch(/^[^\n]{10,200}$/);
    }
  });

  it('is what every metric published under lambdas/ comes from', () => {
    // GIVEN the runtime code, apart from the catalogue and the metrics port itself
    const files = sources('lambdas').filter(([file]) => !file.startsWith('lambdas/shared/catalog/') && file !== 'lambdas/shared/observability.ts');

    // WHEN looking for metrics published by name
    const byName = files.flatMap(([file, text]) => [...text.matchAll(/\b(?:metrics|port)\.add\(\s*([^,]+),/g)].map((m) => `${file}: add(${m[1]}, ...)`));
    const powertools = files.filter(([, text]) => /\b(addMetric|singleMetric)\(/.test(text)).map(([file]) => file);

    // THEN there are none: each goes through publishMetric with a catalogue entry
    expect(byName, 'publish with publishMetric(port, METRICS.<entry>, ...)').toEqual([]);
    expect(powertools).toEqual([]);
    expect(files.some(([, text]) => text.includes('publishMetric('))).toBe(true);
  });

  it('lists no metric that nothing publishes', () => {
    // GIVEN the catalogue entries runtime code names (directly, or through a role map such as VERIFICATION_METRIC_ENTRIES)
    const text = sources('lambdas')
      .filter(([file]) => !file.startsWith(path.relative(ROOT, CATALOG_DIR)))
      .map(([, t]) => t)
      .join('\n');
    const named = new Set([...text.matchAll(/\bMETRICS\.(\w+)/g)].map((m) => m[1]));

    // THEN every entry is among them
    expect(Object.keys(METRICS).filter((k) => !named.has(k))).toEqual([]);
  });
});
