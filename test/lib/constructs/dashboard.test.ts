import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Template } from 'aws-cdk-lib/assertions';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { FERRY_NAMESPACE, FERRY_SERVICE, METRICS } from '../../../lambdas/shared/catalog/metrics';
import { PHASES } from '../../../lambdas/shared/checkpoints/phases';
import { Dashboard } from '../../../lib/constructs/dashboard';
import { emptyStack, ferryStack } from '../stack.fixture';

type Json = any;

/** A token in the dashboard body, as a readable placeholder: `{Ref:Id}` or `{GetAtt:Id.Attr}`. */
function placeholder(token: Json): string {
  if (token.Ref) return `{Ref:${token.Ref}}`;
  if (token['Fn::GetAtt']) return `{GetAtt:${token['Fn::GetAtt'].join('.')}}`;
  return '{token}';
}

/** The one dashboard of the template: its name and its body parsed, tokens as placeholders. */
function dashboardOf(template: Template): { name: string; widgets: Json[] } {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const { DashboardName, DashboardBody } = dashboards[0]!.Properties;
  const body = typeof DashboardBody === 'string' ? DashboardBody : DashboardBody['Fn::Join'][1].map((p: Json) => (typeof p === 'string' ? p : placeholder(p))).join('');
  return { name: DashboardName, widgets: JSON.parse(body).widgets };
}

const titles = (widgets: Json[]) => widgets.map((w) => w.properties.title ?? w.properties.markdown?.split('\n')[0]);

/** Every metric a widget graphs or shows, as `[namespace, name, ...dimension pairs]` (expressions left out). */
function metricsOf(widgets: Json[]): Array<{ namespace: string; name: string; dimensions: Record<string, string> }> {
  return widgets
    .filter((w) => w.type === 'metric')
    .flatMap((w) => w.properties.metrics as Json[][])
    .filter((line) => typeof line[0] === 'string')
    .map((line) => {
      const parts = line.filter((p) => typeof p === 'string') as string[];
      const dimensions: Record<string, string> = {};
      for (let i = 2; i < parts.length; i += 2) dimensions[parts[i]!] = parts[i + 1]!;
      return { namespace: parts[0]!, name: parts[1]!, dimensions };
    });
}

/** Two migrations (one on DMS), rollback enabled on both: every kind of Ferry alarm is in the stack. Synthesized once for the file. */
let synthesized: ReturnType<typeof ferryStack> | undefined;
const twoMigrations = () =>
  (synthesized ??= ferryStack((env) => {
    const orders = env.migrations[0]!;
    env.migrations[0] = { ...orders, rollback: { enabled: true } };
    env.migrations.push({ ...orders, id: 'catalog', replication: { engine: 'dms-serverless' }, rollback: { enabled: true } });
  }));

describe('Dashboard', () => {
  it('is one dashboard per environment, named Ferry-<env>', () => {
    // GIVEN / WHEN the stack of environment `test`
    const { template } = twoMigrations();
    // THEN
    expect(dashboardOf(template).name).toBe('Ferry-test');
  });

  it('has, for each migration, its phase, lag, full load and its time left, written and applied rows, comparison, verification and its age, drift and the last cutover', () => {
    // GIVEN two migrations
    const { template } = twoMigrations();

    // WHEN the dashboard is read
    const { widgets } = dashboardOf(template);

    // THEN each migration has every widget, reading its own metrics
    for (const id of ['orders', 'catalog']) {
      const own = widgets.filter((w) => w.type !== 'metric' || JSON.stringify(w.properties.metrics).includes(`"migrationId","${id}"`));
      const names = new Set(metricsOf(own).filter((m) => m.dimensions.migrationId === id).map((m) => m.name));
      for (const entry of [
        METRICS.migrationPhase,
        METRICS.replicationLagSeconds,
        METRICS.replicationHealthy,
        METRICS.rowsCopied,
        METRICS.rowsEstimated,
        METRICS.fullLoadSecondsLeft,
        METRICS.tablesPending,
        METRICS.changesWritten,
        METRICS.changesApplied,
        METRICS.rowsCompared,
        METRICS.dataDifferences,
        METRICS.verificationKeysVerified,
        METRICS.verificationDifferences,
        METRICS.verificationAgeSeconds,
        METRICS.writeFreezeSeconds,
        METRICS.finalCheckRows,
        METRICS.driftDifferences,
      ]) {
        expect(names, `${id}: ${entry.name}`).toContain(entry.name);
      }
      expect(titles(widgets)).toContain(`### Migration ${id}: replication`);
      expect(titles(widgets)).toContain(`Migration ${id}: last cutover (newest in the time range)`);
    }
    // and the last cutover is the forward direction's
    const cutover = metricsOf(widgets).filter((m) => m.name === METRICS.writeFreezeSeconds.name);
    expect(cutover.map((m) => m.dimensions.direction)).toEqual(['forward', 'forward']);
  });

  it('shows every alarm of the stack in its alarm-status widget, and nothing else', () => {
    // GIVEN the stack with every kind of alarm
    const { template } = twoMigrations();
    const alarmIds = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarmIds.length).toBeGreaterThan(20);

    // WHEN
    const shown = dashboardOf(template)
      .widgets.filter((w) => w.type === 'alarm')
      .flatMap((w) => w.properties.alarms as string[]);

    // THEN
    expect(shown.sort()).toEqual(alarmIds.map((id) => `{GetAtt:${id}.Arn}`).sort());
  });

  it('graphs only metrics of the catalogue, with exactly their dimensions', () => {
    const { template } = twoMigrations();
    const byName = new Map(Object.values(METRICS).map((e) => [e.name, e]));

    const metrics = metricsOf(dashboardOf(template).widgets);

    expect(metrics.length).toBeGreaterThan(40);
    for (const metric of metrics) {
      const entry = byName.get(metric.name);
      expect(entry, `${metric.name} is not in lambdas/shared/catalog/metrics.ts`).toBeDefined();
      expect(metric.namespace).toBe(FERRY_NAMESPACE);
      expect(Object.keys(metric.dimensions).sort(), metric.name).toEqual(['service', ...entry!.dimensions].sort());
      expect(metric.dimensions.service).toBe(FERRY_SERVICE);
    }
  });

  it('links to every workflow in the Step Functions console, says where the runbook is, and maps the phase numbers to names', () => {
    const { template } = twoMigrations();

    const markdown = dashboardOf(template)
      .widgets.filter((w) => w.type === 'text')
      .map((w) => w.properties.markdown as string)
      .join('\n');

    for (const workflow of ['migrate', 'cutover', 'rollback', 'finish', 'drift']) {
      expect(markdown).toMatch(new RegExp(`\\[${workflow}\\]\\(https://eu-west-1\\.console\\.aws\\.amazon\\.com/states/home\\?region=eu-west-1#/statemachines/view/\\{Ref:Workflows\\w+\\}\\)`));
    }
    expect(markdown).toContain('README.md');
    expect(markdown).toContain(PHASES.map((p, i) => `${i} ${p}`).join(' · '));
  });

  it('links the runbook when given its URL', () => {
    // GIVEN a dashboard with a runbook URL
    const stack = emptyStack();
    new Dashboard(stack, 'Dashboard', { dashboardName: 'Ferry-x', migrationIds: ['orders'], stateMachines: {}, runbookUrl: 'https://git.example/ferry#alarms-and-what-to-do-on-each' });
    // WHEN
    const markdown = dashboardOf(Template.fromStack(stack)).widgets.map((w) => w.properties.markdown ?? '').join('\n');
    // THEN
    expect(markdown).toContain('[Runbook: what each alarm means and what to do](https://git.example/ferry#alarms-and-what-to-do-on-each)');
  });

  it('fails the synth for an alarm created after it, which its widget would miss', () => {
    // GIVEN a dashboard, then an alarm
    const stack = emptyStack();
    new Dashboard(stack, 'Dashboard', { dashboardName: 'Ferry-x', migrationIds: ['orders'], stateMachines: {} });
    new cloudwatch.Alarm(stack, 'Late', { metric: new cloudwatch.Metric({ namespace: 'X', metricName: 'Y' }), threshold: 1, evaluationPeriods: 1 });

    // WHEN / THEN
    expect(() => App.of(stack)!.synth()).toThrow(/alarm Test\/Late was created after the dashboard/);
  });

  it('refuses to be made without migrations', () => {
    expect(() => new Dashboard(emptyStack(), 'Dashboard', { dashboardName: 'Ferry-x', migrationIds: [], stateMachines: {} })).toThrow('Dashboard: no migrations to show');
  });
});
