import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SCHEMA_SNAPSHOT_FORMAT_VERSION, type SchemaSnapshot } from '../../lambdas/shared/compare/schema';
import { UsageError } from './usage-error';

const named = z.looseObject({ schema: z.string(), name: z.string() });

/**
 * What a snapshot file must hold to be compared at all. Deliberately not every field: a file that
 * `ferry snapshot` wrote passes, and a file that is something else fails with the field named,
 * instead of failing later inside the comparison with a TypeError.
 */
const SnapshotShape = z.looseObject({
  serverVersion: z.string(),
  serverVersionNum: z.number(),
  selection: z.looseObject({ include: z.array(z.string()), exclude: z.array(z.string()).optional() }).nullable(),
  tables: z.array(
    named.extend({
      columns: z.array(z.looseObject({ name: z.string(), type: z.string() })),
      constraints: z.array(z.looseObject({ name: z.string(), definition: z.string() })),
    }),
  ),
  indexes: z.array(named.extend({ table: z.string(), definition: z.string() })),
  triggers: z.array(named.extend({ table: z.string(), definition: z.string() })),
  sequences: z.array(named),
  enums: z.array(named.extend({ labels: z.array(z.string()) })),
  extensions: z.array(z.looseObject({ name: z.string(), version: z.string() })),
  views: z.array(named.extend({ definition: z.string() })),
});

/**
 * Reads a schema snapshot written by `ferry snapshot` (or stored by the drift workflow at cutover).
 * Every problem is a UsageError naming the file: exit 2, the comparison never starts.
 */
export function readSnapshotFile(file: string): SchemaSnapshot {
  const problem = (what: string) => new UsageError(`--snapshot ${file}: ${what}`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw problem(code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot be read (${(error as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    // `npm run ferry -- snapshot <url> > file` puts npm's `> ferry@... ferry` banner in the file.
    const hint = text.trimStart().startsWith('> ') ? "; it starts with npm's banner: write it with 'npm run -s ferry -- snapshot ...' or '--output <file>'" : '';
    throw problem(`not JSON (${(error as Error).message}); expected the output of 'ferry snapshot <url>'${hint}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || !('formatVersion' in doc)) {
    throw problem("not a Ferry schema snapshot (it has no formatVersion); expected the output of 'ferry snapshot <url>'");
  }
  // Checked before the shape: a later format may be shaped differently, and its version is the real problem.
  if (doc.formatVersion !== SCHEMA_SNAPSHOT_FORMAT_VERSION) {
    throw problem(
      `schema snapshot format ${JSON.stringify(doc.formatVersion)} is not one this version of Ferry reads (it reads format ${SCHEMA_SNAPSHOT_FORMAT_VERSION}); ` +
        'take the snapshot again with this version, or use the Ferry version that wrote it',
    );
  }
  const shape = SnapshotShape.safeParse(doc);
  if (!shape.success) {
    const issue = shape.error.issues[0];
    const where = issue?.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(top level)';
    throw problem(`not a Ferry schema snapshot: ${where}: ${issue?.message ?? 'unexpected shape'}`);
  }
  return doc as SchemaSnapshot;
}
