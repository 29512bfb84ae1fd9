/**
 * One comparison in a process of its own, so that its peak RSS is the comparison's alone.
 * Prints one JSON line: { durationMs, cpuMs, maxRssKb, tables }; cpuMs is this process's own CPU
 * time during the comparison (the servers' is measured by bench/compare.ts).
 */
import { compareData } from '../lambdas/shared/compare/data/compare';
import { Database } from '../lambdas/shared/pg/connection';

async function main(): Promise<void> {
  const [sourceUrl, targetUrl] = process.argv.slice(2);
  const source = new Database({ label: 'source', config: { connectionString: sourceUrl } });
  const target = new Database({ label: 'target', config: { connectionString: targetUrl } });
  try {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const result = await compareData(source, target, { maxKeys: 100 });
    const durationMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    process.stdout.write(`${JSON.stringify({ durationMs, cpuMs, maxRssKb: process.resourceUsage().maxRSS, tables: result.tables })}\n`);
  } finally {
    await Promise.all([source.close(), target.close()]);
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 2;
});
