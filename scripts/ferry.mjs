// `npm run ferry` and `npm run rehearse`: the CLI's bundle, rebuilt first when a source file is newer
// than it, then run in this same process (so signals and exit codes are the binary's own).
import { pathToFileURL } from 'node:url';
import { BUNDLE, buildCliIfStale } from './build-cli.mjs';

await buildCliIfStale();
await import(pathToFileURL(BUNDLE).href);
