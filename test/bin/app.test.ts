import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyExemptions, type CfnTemplate, type ControlTowerExemption, controlTowerFindings, describeFinding, isDeadLetterTarget } from './control-tower';

const root = path.join(__dirname, '..', '..');
const outdir = mkdtempSync(path.join(tmpdir(), 'ferry-synth-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** The environment of a machine with no AWS credentials and no way to reach AWS. */
function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('CDK_')));
  return {
    ...env,
    AWS_EC2_METADATA_DISABLED: 'true',
    // Any attempt to reach AWS fails fast instead of silently succeeding through a proxy.
    HTTPS_PROXY: 'http://127.0.0.1:9',
    HTTP_PROXY: 'http://127.0.0.1:9',
    ...extra,
  };
}

/**
 * cfn-lint findings ignored, each for a reason:
 * - W3005 (a DependsOn already implied by a Ref or GetAtt): CDK adds explicit dependencies, for
 *   example of a function on its role's policy, that cfn-lint finds redundant; they are harmless.
 */
const CFN_LINT_IGNORED = ['W3005'];

/**
 * AWS Control Tower controls that cannot apply to some resources, each for those resources only
 * and for a reason that the `covers` check verifies in the template.
 */
const CONTROL_TOWER_EXEMPTIONS: readonly ControlTowerExemption[] = [
  {
    control: 'CT.SQS.PR.1',
    covers: (logicalId, template) => {
      const queue = template.Resources[logicalId];
      return (
        queue?.Type === 'AWS::SQS::Queue' &&
        String(queue.Metadata?.['aws:cdk:path']).endsWith('/DeadLetterQueue/Resource') &&
        queue.Properties?.RedriveAllowPolicy?.redrivePermission === 'denyAll' &&
        isDeadLetterTarget(template, logicalId)
      );
    },
    reason:
      'These queues (WatchedDeadLetterQueue) are themselves the dead-letter queues of Lambda on-failure destinations, ' +
      'EventBridge rule targets and Scheduler schedules: the last stop, watched by an alarm on their first message. ' +
      "The control wants every queue to have a dead-letter queue, and recognizes a dead-letter queue only by a RedriveAllowPolicy " +
      "of 'allowAll' or 'byQueue', which would let SQS queues redrive into it; these deny that ('denyAll') on purpose, " +
      'since no SQS queue ever sends to them. A queue behind a queue behind a failed delivery would only hide messages from that alarm.',
  },
];

describe('bin/app.ts', () => {
  let synth: SpawnSyncReturns<string>;
  beforeAll(() => {
    synth = spawnSync('npx', ['cdk', 'synth', '--quiet', '--lookups', 'false', '--strict', '-o', outdir], {
      cwd: root,
      env: offlineEnv(),
      encoding: 'utf8',
      timeout: 240_000,
    });
    // Bundling every step function with esbuild takes about 25 s alone; far longer while other
    // test files load both cores.
  }, 240_000);

  it('synthesizes every environment in cdk.json with no credentials and no network', () => {
    expect(synth.stderr).not.toMatch(/AwsSolutions-/);
    expect(synth.status).toBe(0);
    for (const env of ['dev', 'prod']) {
      const template = JSON.parse(readFileSync(path.join(outdir, `Ferry-${env}.template.json`), 'utf8'));
      expect(Object.keys(template.Resources).length).toBeGreaterThan(0);
    }
  });

  it('synthesizes templates in which cfn-lint finds nothing but the findings ignored for a reason', () => {
    const version = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
    if (version.error) {
      throw new Error('cfn-lint is not installed, so the templates cannot be checked: install it with `pip install cfn-lint` (it is preinstalled on Ferry\'s build machines)');
    }
    expect(synth.status).toBe(0);
    const templates = ['dev', 'prod'].map((env) => path.join(outdir, `Ferry-${env}.template.json`));
    const lint = spawnSync('cfn-lint', ['--format', 'parseable', '--ignore-checks', ...CFN_LINT_IGNORED, '--', ...templates], { encoding: 'utf8', timeout: 120_000 });
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.status).toBe(0);
  }, 120_000);

  it('synthesizes templates that pass the AWS Control Tower controls, but for the exemptions given with a reason', () => {
    // GIVEN the templates of every environment in cdk.json
    expect(synth.status).toBe(0);
    const names = ['dev', 'prod'].map((env) => `Ferry-${env}.template.json`);
    const templates = new Map(names.map((name) => [name, JSON.parse(readFileSync(path.join(outdir, name), 'utf8')) as CfnTemplate]));
    // WHEN cfn-guard runs the bundled Control Tower rules over them
    const findings = controlTowerFindings(names.map((name) => path.join(outdir, name)));
    // THEN every failing resource is exempted for a reason, and every exemption is still needed
    const { failing, unused } = applyExemptions(findings, CONTROL_TOWER_EXEMPTIONS, templates);
    expect(failing.map(describeFinding)).toEqual([]);
    expect(unused.map((e) => `${e.control}: ${e.reason}`)).toEqual([]);
  }, 120_000);

  it('fails with one line per problem, and no stack trace, on a bad configuration', () => {
    const badOut = path.join(outdir, 'bad');
    const result = spawnSync('npx', ['tsx', path.join(root, 'bin', 'app.ts')], {
      cwd: root,
      env: offlineEnv({
        CDK_OUTDIR: badOut,
        CDK_CONTEXT_JSON: JSON.stringify({ environments: { staging: { account: '12', region: 'eu-west-1' } } }),
      }),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("environment 'staging': account: must be a 12-digit AWS account id, got \"12\"");
    expect(result.stderr).toContain("environment 'staging': network: missing (expected object)");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(badOut, 'manifest.json'))).toBe(false);
  });
});
