import { randomBytes } from 'node:crypto';
import { open, realpath, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { SwitchFailedError, type SwitchEndpoint } from './switch';

/**
 * Reading and rewriting one database's line in a PgBouncer `[databases]` file. The parsing follows
 * PgBouncer 1.18 itself (libusual's ini parser and loader.c's connection-string parser), so that
 * what we read is what PgBouncer reads; everything but the values we replace stays byte for byte.
 */

/** One `name = host=… port=… dbname=…` line, located in the file. */
export interface DatabaseLine {
  /** Index of the line in the file (0-based). */
  readonly index: number;
  /** The line as written, without its line break. */
  readonly text: string;
  /** The endpoint PgBouncer derives from the line: unset port is 5432, unset dbname the entry's name. */
  readonly endpoint: { readonly host: string | undefined; readonly port: number; readonly database: string };
  /** Where each connection-string value sits in `text`, to replace it in place. */
  readonly values: ReadonlyMap<string, { readonly start: number; readonly end: number }>;
  /** Where new pairs go: after the last pair, before trailing blanks. */
  readonly valueEnd: number;
}

/** libusual's ini keys; names outside this set cannot be a `[databases]` entry in PgBouncer 1.18. */
const KEY = /^[A-Za-z0-9_.\-*]+/;

/** The line that defines `database`; a file with none or several is one the switch must not touch. */
export function findDatabaseLine(content: string, database: string, file: string): DatabaseLine {
  const lines = content.split('\n');
  const found: DatabaseLine[] = [];
  // Lines before any section header count: the include may sit under `[databases]` in pgbouncer.ini.
  let section: string | undefined;
  lines.forEach((text, index) => {
    const trimmed = text.trimStart();
    if (trimmed.startsWith('[')) {
      section = trimmed.slice(1, trimmed.indexOf(']')).trim();
      return;
    }
    if (section !== undefined && section !== 'databases') return;
    const key = KEY.exec(trimmed)?.[0];
    if (key !== database) return;
    const afterKey = text.length - trimmed.length + key.length;
    const eq = /^[ \t]*=[ \t]*/.exec(text.slice(afterKey));
    if (eq === null) return;
    found.push(parseLine(text, index, database, afterKey + eq[0].length, file));
  });
  if (found.length === 0) {
    throw new SwitchFailedError(
      `${file} has no line for database "${database}" in its [databases] section. Add one ` +
        `("${database} = host=… port=… dbname=…") pointing at the source, include the file from pgbouncer.ini, and RELOAD PgBouncer.`,
    );
  }
  if (found.length > 1) {
    throw new SwitchFailedError(
      `${file} defines database "${database}" ${found.length} times (lines ${found.map((l) => l.index + 1).join(', ')}); ` +
        `PgBouncer uses the last one. Keep one line, then run the switch again.`,
    );
  }
  return found[0]!;
}

function parseLine(text: string, index: number, name: string, valueStart: number, file: string): DatabaseLine {
  // The ini parser trims trailing blanks (a CR from CRLF files too); pairs are separated by spaces only.
  const valueEnd = valueStart + text.slice(valueStart).trimEnd().length;
  const values = new Map<string, { start: number; end: number }>();
  const parsed = new Map<string, string>();
  let p = valueStart;
  const bad = (why: string) =>
    new SwitchFailedError(`${file} line ${index + 1} ("${name} = …") is not a connection string PgBouncer accepts: ${why}. Fix the line, then run the switch again.`);
  while (p < valueEnd) {
    while (text[p] === ' ') p++;
    if (p >= valueEnd) break;
    const keyEnd = scan(text, p, valueEnd, (c) => c !== '=' && c !== ' ');
    const key = text.slice(p, keyEnd);
    p = keyEnd;
    while (text[p] === ' ') p++;
    if (key === '' || text[p] !== '=') throw bad(`expected key=value at column ${p + 1}`);
    p++;
    while (text[p] === ' ') p++;
    const start = p;
    let value: string;
    if (text[p] === "'") {
      // Quoted: '' is a quote; the value ends at the first lone quote.
      let out = '';
      p++;
      for (;;) {
        if (p >= valueEnd) throw bad(`unterminated quote in ${key}`);
        if (text[p] === "'" && text[p + 1] === "'") {
          out += "'";
          p += 2;
        } else if (text[p] === "'") {
          p++;
          break;
        } else out += text[p++];
      }
      value = out;
    } else {
      p = scan(text, p, valueEnd, (c) => c !== ' ');
      value = text.slice(start, p);
    }
    if (value === '') throw bad(`empty value for ${key}`);
    values.set(key, { start, end: p });
    parsed.set(key, value);
  }
  const port = parsed.get('port') ?? '5432';
  if (!/^\d+$/.test(port)) throw bad(`port "${port}" is not a number`);
  return {
    index,
    text,
    endpoint: { host: parsed.get('host'), port: Number(port), database: parsed.get('dbname') ?? name },
    values,
    valueEnd,
  };
}

function scan(text: string, from: number, end: number, keep: (c: string) => boolean): number {
  let p = from;
  while (p < end && keep(text[p]!)) p++;
  return p;
}

/**
 * The file with `line` pointed at `to`: host, port and dbname are replaced where they are (added
 * at the end when missing); other pairs (user, pool_mode, …) and every other line stay as written.
 */
export function rewriteDatabaseLine(content: string, line: DatabaseLine, to: SwitchEndpoint): string {
  const wanted: Array<[string, string]> = [
    ['host', to.host],
    ['port', String(to.port)],
    ['dbname', to.database],
  ];
  const edits: Array<{ start: number; end: number; text: string }> = [];
  for (const [key, value] of wanted) {
    if (/[\r\n\0]/.test(value)) throw new SwitchFailedError(`the ${key} "${JSON.stringify(value)}" cannot be written into a PgBouncer line`);
    const at = line.values.get(key);
    if (at !== undefined) edits.push({ ...at, text: quoteValue(value) });
    else edits.push({ start: line.valueEnd, end: line.valueEnd, text: ` ${key}=${quoteValue(value)}` });
  }
  let text = line.text;
  // Right to left, so earlier offsets stay valid; appended pairs keep host, port, dbname order.
  for (const edit of edits.map((e, i) => ({ ...e, i })).sort((a, b) => b.start - a.start || b.i - a.i)) {
    text = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
  }
  const lines = content.split('\n');
  lines[line.index] = text;
  return lines.join('\n');
}

/** PgBouncer's quoting: needed when the value has a space or starts with a quote; '' escapes one. */
export function quoteValue(value: string): string {
  return value === '' || value.includes(' ') || value.startsWith("'") ? `'${value.replace(/'/g, "''")}'` : value;
}

/**
 * Temp file + rename in the same directory, so PgBouncer never reads half a file. The mode (and,
 * when we may, the owner) of the old file is kept: PgBouncer often runs as another user.
 */
export async function writeAtomically(file: string, content: string): Promise<void> {
  let tmp: string | undefined;
  try {
    const real = await realpath(file);
    const old = await stat(real);
    tmp = path.join(path.dirname(real), `.${path.basename(real)}.ferry-${randomBytes(6).toString('hex')}`);
    const handle = await open(tmp, 'wx', old.mode & 0o7777);
    try {
      await handle.writeFile(content);
      await handle.chmod(old.mode & 0o7777);
      if (process.getuid?.() === 0) await handle.chown(old.uid, old.gid);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, real);
  } catch (err) {
    if (tmp !== undefined) await rm(tmp, { force: true });
    throw new SwitchFailedError(`Cannot rewrite ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
