import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSnapshotFile } from '../../bin/cli/snapshot-file';
import { UsageError } from '../../bin/cli/usage-error';

const dir = mkdtempSync(path.join(tmpdir(), 'ferry-snapshot-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const valid = {
  formatVersion: 1,
  serverVersion: '17.10',
  serverVersionNum: 170010,
  selection: null,
  tables: [{ schema: 'public', name: 'orders', columns: [{ name: 'id', position: 1, type: 'bigint' }], constraints: [] }],
  indexes: [],
  triggers: [],
  sequences: [],
  enums: [],
  extensions: [{ name: 'plpgsql', version: '1.0' }],
  views: [],
};

function file(name: string, content: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

function problem(p: string): string {
  try {
    readSnapshotFile(p);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`${p} was accepted`);
}

describe('reading a snapshot file for drift --snapshot', () => {
  it('returns the snapshot of a file ferry snapshot wrote', () => {
    expect(readSnapshotFile(file('ok.json', JSON.stringify(valid)))).toEqual(valid);
  });

  it('names the file when it does not exist', () => {
    const p = path.join(dir, 'absent.json');
    expect(problem(p)).toBe(`--snapshot ${p}: no such file`);
  });

  it('names the file when it is not JSON', () => {
    const p = file('text.json', 'CREATE TABLE orders (id bigint);');
    expect(problem(p)).toMatch(new RegExp(`^--snapshot ${p}: not JSON \\(.+\\); expected the output of 'ferry snapshot <url>'$`));
  });

  it('says how to write a clean file when npm run put its banner in it', () => {
    const p = file('npm.json', `\n> ferry@0.1.0 ferry\n> tsx bin/ferry.ts snapshot postgres://u:***@db/orders\n\n${JSON.stringify(valid)}`);
    expect(problem(p)).toContain("it starts with npm's banner: write it with 'npm run -s ferry -- snapshot ...' or '--output <file>'");
  });

  it('names the file when it is JSON but not a snapshot', () => {
    const p = file('config.json', JSON.stringify({ context: {} }));
    expect(problem(p)).toBe(`--snapshot ${p}: not a Ferry schema snapshot (it has no formatVersion); expected the output of 'ferry snapshot <url>'`);
    expect(problem(file('array.json', '[1, 2]'))).toContain('not a Ferry schema snapshot (it has no formatVersion)');
  });

  it('names the format when it is a snapshot format this version does not read', () => {
    const p = file('v2.json', JSON.stringify({ ...valid, formatVersion: 2, tables: 'elsewhere' }));
    expect(problem(p)).toBe(
      `--snapshot ${p}: schema snapshot format 2 is not one this version of Ferry reads (it reads format 1); take the snapshot again with this version, or use the Ferry version that wrote it`,
    );
  });

  it('names the field when a snapshot is damaged', () => {
    const p = file('damaged.json', JSON.stringify({ ...valid, tables: [{ schema: 'public', name: 'orders', constraints: [] }] }));
    expect(problem(p)).toMatch(new RegExp(`^--snapshot ${p}: not a Ferry schema snapshot: tables\\[0\\]\\.columns: .*expected array`));
  });
});
