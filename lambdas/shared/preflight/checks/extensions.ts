import type { Database } from '../../pg/connection';
import { quoteIdent } from '../../pg/identifiers';
import type { CheckOutcome, PreflightCheck } from '../check';
import { count, listNames, sentences } from '../text';

export interface ExtensionState {
  /** Installed extensions: name -> version. */
  readonly installed: ReadonlyMap<string, string>;
  /** Extensions the server could install (pg_available_extensions): name -> default version. */
  readonly available: ReadonlyMap<string, string>;
}

export function extensionsResult(source: ReadonlyMap<string, string>, target: ExtensionState): CheckOutcome {
  const missing = [...source.keys()].filter((name) => !target.installed.has(name)).sort();
  const versions = [...source.entries()]
    .filter(([name, version]) => target.installed.has(name) && target.installed.get(name) !== version)
    .map(([name, version]) => ({ name, source: version, target: target.installed.get(name)! }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en'));
  if (missing.length === 0 && versions.length === 0) {
    return { severity: 'ok', message: `Every extension of the source is installed on the target in the same version (${count(source.size, 'extension')}).`, objects: [] };
  }
  const installable = missing.filter((name) => target.available.has(name));
  const unavailable = missing.filter((name) => !target.available.has(name));
  const missingText =
    missing.length > 0 &&
    sentences(
      `${count(missing.length, 'extension')} of the source ${missing.length === 1 ? 'is' : 'are'} not installed on the target: ${listNames(missing)}. Tables, defaults and indexes that use their types and functions cannot be created or loaded there.`,
      installable.length > 0 &&
        `Install ${installable.length === 1 ? 'it' : 'them'} on the target: ${installable.map((name) => `CREATE EXTENSION ${quoteIdent(name)} VERSION '${source.get(name)}';`).join(' ')}`,
      unavailable.length > 0 &&
        `${listNames(unavailable)} cannot be installed on the target server at all: install the package that provides ${unavailable.length === 1 ? 'it' : 'them'} (self-managed), or check that RDS supports ${unavailable.length === 1 ? 'it' : 'them'} for the target's version (SELECT * FROM pg_available_extensions).`,
    );
  const versionText =
    versions.length > 0 &&
    sentences(
      `${count(versions.length, 'extension')} ${versions.length === 1 ? 'has' : 'have'} another version on the target: ${listNames(versions.map((v) => `${v.name} (source ${v.source}, target ${v.target})`))}.`,
      'Functions and types can behave differently between versions; where the target is older, ALTER EXTENSION <name> UPDATE TO \'<source version>\' on the target.',
    );
  return {
    severity: missing.length > 0 ? 'error' : 'warning',
    message: sentences(missingText, versionText),
    objects: [...missing, ...versions.map((v) => v.name)],
  };
}

export async function readInstalledExtensions(db: Database): Promise<Map<string, string>> {
  const rows = await db.query<{ name: string; version: string }>('select extname as name, extversion as version from pg_catalog.pg_extension order by extname');
  return new Map(rows.map((r) => [r.name, r.version]));
}

export async function readAvailableExtensions(db: Database): Promise<Map<string, string>> {
  const rows = await db.query<{ name: string; version: string | null }>('select name, default_version as version from pg_catalog.pg_available_extensions');
  return new Map(rows.map((r) => [r.name, r.version ?? '']));
}

export const extensions: PreflightCheck = {
  id: 'extensions',
  title: 'Every extension installed on the source is installed on the target, in the same version',
  databases: ['source', 'target'],
  async run(ctx) {
    const [source, installed, available] = await Promise.all([
      readInstalledExtensions(ctx.source),
      readInstalledExtensions(ctx.target),
      readAvailableExtensions(ctx.target),
    ]);
    return extensionsResult(source, { installed, available });
  },
};
