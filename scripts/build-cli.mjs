// Builds the `ferry` CLI: bin/ferry.ts bundled by esbuild into dist/ferry.js (docs/architecture.md, The CLI).
//   node scripts/build-cli.mjs             build
//   node scripts/build-cli.mjs --if-stale  build only when a source file is newer than the bundle
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const OUTDIR = path.join(ROOT, 'dist');
/** The binary: package.json's `bin.ferry`. */
export const BUNDLE = path.join(OUTDIR, 'ferry.js');
/** The files the bundle was built from (relative to the root), for `isStale`. */
const INPUTS = path.join(OUTDIR, 'ferry.inputs.json');
/** What a rebuild also depends on besides the bundled sources. */
const BUILD_FILES = [fileURLToPath(import.meta.url), path.join(ROOT, 'package.json'), path.join(ROOT, 'tsconfig.json')];

const mtime = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
};

/** True when there is no bundle, or a file it was built from changed (or went) since. */
export function isStale() {
  const built = mtime(BUNDLE);
  if (built === undefined) return true;
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(INPUTS, 'utf8'));
  } catch {
    return true;
  }
  return [...inputs.map((file) => path.join(ROOT, file)), ...BUILD_FILES].some((file) => !((mtime(file) ?? Infinity) <= built));
}

/**
 * In a bundle every module would share the bundle's `__dirname`; this gives each source file its
 * own again, as the bundle's folder joined with the path from there to the file's folder (so the
 * checkout can move), and `__filename` likewise. Lines are kept: the declarations go on line 1.
 */
const ownDirname = {
  name: 'own-dirname',
  setup(build) {
    build.onResolve({ filter: /^ferry:bundle-dir$/ }, () => ({ path: 'bundle-dir', namespace: 'ferry' }));
    // In this module, with no declaration of its own, `__dirname` is Node's: the bundle's folder.
    build.onLoad({ filter: /.*/, namespace: 'ferry' }, () => ({ contents: 'export const bundleDir = __dirname;', loader: 'js' }));
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.split(path.sep).includes('node_modules')) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!/\b__(dirname|filename)\b/.test(source)) return { contents: source, loader: 'ts' };
      const fromBundle = (to) => JSON.stringify(path.relative(OUTDIR, to).split(path.sep).join('/'));
      const header =
        "import { bundleDir as __ferryBundleDir } from 'ferry:bundle-dir'; import { join as __ferryJoin } from 'node:path'; " +
        `const __dirname = __ferryJoin(__ferryBundleDir, ${fromBundle(path.dirname(args.path))}); ` +
        `const __filename = __ferryJoin(__ferryBundleDir, ${fromBundle(args.path)}); `;
      // A hashbang must stay the first line.
      const hashbang = source.startsWith('#!') ? source.slice(0, source.indexOf('\n') + 1) : '';
      return { contents: hashbang + header + source.slice(hashbang.length), loader: 'ts' };
    });
  },
};

/**
 * Writes through a temporary file and a rename, so a process starting the binary meanwhile never
 * reads half of one; `dated`, when given, becomes the file's modification time.
 */
function writeAtomically(file, contents, { mode = 0o644, dated } = {}) {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, contents, { mode });
  chmodSync(temporary, mode);
  if (dated !== undefined) utimesSync(temporary, dated, dated);
  renameSync(temporary, file);
}

export async function buildCli() {
  const { build } = await import('esbuild');
  const started = new Date();
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [path.join(ROOT, 'bin', 'ferry.ts')],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // Packages are required from node_modules at run time: the bundle holds only this repository's code.
    packages: 'external',
    sourcemap: 'linked',
    metafile: true,
    write: false,
    logLevel: 'warning',
    plugins: [ownDirname],
  });
  mkdirSync(OUTDIR, { recursive: true });
  for (const file of result.outputFiles.filter((f) => f.path !== BUNDLE)) writeAtomically(file.path, file.contents);
  // Executable (the `bin`), and dated when the build began: a source saved while it ran is newer, so the next check rebuilds.
  writeAtomically(BUNDLE, result.outputFiles.find((f) => f.path === BUNDLE).contents, { mode: 0o755, dated: started });
  const inputs = Object.keys(result.metafile.inputs).filter((input) => !input.includes(':'));
  writeAtomically(INPUTS, `${JSON.stringify(inputs, null, 2)}\n`);
}

/** Builds when `isStale()`: what `npm run ferry` and the tests that spawn the binary call first. */
export async function buildCliIfStale() {
  if (isStale()) await buildCli();
}

if (process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url) {
  await (process.argv.includes('--if-stale') ? buildCliIfStale() : buildCli());
}
