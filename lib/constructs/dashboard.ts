import { Duration, Stack, Tags } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AlarmMatrixWidget, AxisPosition, DefaultDashboardFactory, MonitoringFacade, type CustomMetricGroup, type CustomMetricWithAlarm, type MetricWithAlarmSupport } from 'cdk-monitoring-constructs';
import { Construct, type IConstruct } from 'constructs';
import { METRICS, type DimensionsOf, type MetricEntry } from '../../lambdas/shared/catalog/metrics';
import { PHASES } from '../../lambdas/shared/checkpoints/phases';
import { ENVIRONMENT_TAG } from '../ids';
import { ferryMetric } from '../metrics';

export interface DashboardProps {
  /** The dashboard's name, `Ferry-<env>`. */
  readonly dashboardName: string;
  /** The migrations shown, one section each, in this order. */
  readonly migrationIds: readonly string[];
  /** The workflows, by name (`migrate`): a text widget links to each in the Step Functions console. */
  readonly stateMachines: Readonly<Record<string, sfn.IStateMachine>>;
  /**
   * Where the runbook is read (the README's "Operating a deployed environment" section), linked from a text widget.
   * @default - the widget says where it is: README.md of the Ferry checkout this stack was deployed from
   */
  readonly runbookUrl?: string;
  /**
   * The alarms in the alarm-status widget. Pass nothing: every `cloudwatch.Alarm` in the stack is
   * shown, found by walking the construct tree when the dashboard is created, and synth fails if
   * an alarm is created after it (so that none is ever missing from the widget).
   * @default - every alarm in the stack
   */
  readonly alarms?: readonly cloudwatch.IAlarm[];
}

/** An alarm-status widget shows at most 100 alarms. */
const ALARMS_PER_WIDGET = 100;
const MINUTE = Duration.minutes(1);

/**
 * The environment's CloudWatch dashboard, `Ferry-<env>`: links and the status of every Ferry
 * alarm first, then one section per migration (phase, lag, full load and its time left, written
 * and applied changes, comparison, verification, last cutover, drift). Every metric comes from the metric
 * catalogue (lambdas/shared/catalog/metrics.ts, through `ferryMetric`), never a string.
 *
 * Built with cdk-monitoring-constructs (its facade and dashboard factory, `monitorCustom` for the
 * graph rows, `AlarmMatrixWidget`); the single-value and text widgets are plain aws-cloudwatch,
 * which the library does not wrap.
 */
export class Dashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;
  /** The alarms the alarm-status widgets show. */
  public readonly alarms: readonly cloudwatch.IAlarm[];

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    if (props.migrationIds.length === 0) throw new Error('Dashboard: no migrations to show');
    const stack = Stack.of(this);
    this.alarms = props.alarms ?? alarmsIn(stack);
    if (!props.alarms) {
      this.node.addValidation({
        validate: () => {
          const shown = new Set(this.alarms);
          return alarmsIn(stack)
            .filter((a) => !shown.has(a))
            .map((a) => `Dashboard: alarm ${a.node.path} was created after the dashboard, so its alarm-status widget misses it: create the Dashboard last`);
        },
      });
    }

    const facade = new MonitoringFacade(this, 'Monitoring', {
      dashboardFactory: new DefaultDashboardFactory(this, 'Factory', {
        dashboardNamePrefix: props.dashboardName,
        createDashboard: true,
        createSummaryDashboard: false,
        createAlarmDashboard: false,
      }),
    });
    facade.addLargeHeader(`Ferry: ${props.dashboardName}`);
    facade.addWidget(new cloudwatch.Row(linksWidget(stack, props), phasesWidget()));
    for (let i = 0; i < this.alarms.length; i += ALARMS_PER_WIDGET) {
      const part = this.alarms.length > ALARMS_PER_WIDGET ? ` (${i / ALARMS_PER_WIDGET + 1})` : '';
      facade.addWidget(new AlarmMatrixWidget({ title: `Every Ferry alarm${part}`, alarms: [...this.alarms.slice(i, i + ALARMS_PER_WIDGET)] }));
    }
    for (const migrationId of props.migrationIds) migrationSection(facade, migrationId);

    const created = facade.createdDashboard();
    if (!created) throw new Error('Dashboard: cdk-monitoring-constructs created no dashboard');
    this.dashboard = created;
    // aws-cdk-lib would put the stack's tags on AWS::CloudWatch::Dashboard, whose CloudFormation
    // schema (cfn-lint's) has no Tags: the dashboard stays untagged rather than fail validation.
    Tags.of(this.dashboard).remove(ENVIRONMENT_TAG);
  }
}

/** Every CloudWatch alarm in the stack, in construct-tree order (stable between synths). */
function alarmsIn(stack: Stack): cloudwatch.Alarm[] {
  return stack.node.findAll().filter((c: IConstruct): c is cloudwatch.Alarm => c instanceof cloudwatch.Alarm);
}

function migrationSection(facade: MonitoringFacade, migrationId: string): void {
  const dims = { migrationId };
  const m = <E extends MetricEntry<'migrationId'>>(entry: E, statistic: string, label: string) =>
    ferryMetric(entry, dims as DimensionsOf<E>, { statistic, period: MINUTE, label });
  const max = cloudwatch.Stats.MAXIMUM;
  const sum = cloudwatch.Stats.SUM;

  const replication: CustomMetricGroup[] = [
    { title: 'Phase (index, see the phases widget)', metrics: [m(METRICS.migrationPhase, max, 'phase')], graphWidgetAxis: { min: 0, max: PHASES.length - 1, showUnits: false } },
    {
      title: 'Replication lag, direction in use (forward until cut-over, reverse after)',
      metrics: [m(METRICS.replicationLagSeconds, max, 'lag seconds'), asRight(m(METRICS.replicationHealthy, cloudwatch.Stats.MINIMUM, 'healthy (1) / not (0)'))],
      graphWidgetRightAxis: { min: 0, max: 1, showUnits: false },
    },
    {
      title: 'Full load: rows copied of estimated, tables pending',
      metrics: [m(METRICS.rowsCopied, max, 'rows copied'), m(METRICS.rowsEstimated, max, 'rows estimated'), asRight(m(METRICS.tablesPending, max, 'tables pending')), asRight(m(METRICS.tablesLoading, max, 'tables loading'))],
    },
    // Its own graph: seconds next to row counts would flatten one of them.
    { title: 'Full load: estimated time left (seconds, at the average rate so far)', metrics: [m(METRICS.fullLoadSecondsLeft, max, 'seconds left')], graphWidgetAxis: { min: 0 } },
    {
      title: 'Rows written where replication reads, applied where it writes (per minute)',
      metrics: [perMinute(m(METRICS.changesWritten, max, 'written'), 'written'), perMinute(m(METRICS.changesApplied, max, 'applied'), 'applied')],
    },
  ];
  const proof: CustomMetricGroup[] = [
    {
      title: 'Full comparison: rows compared, differences',
      metrics: [m(METRICS.rowsCompared, sum, 'rows compared'), asRight(m(METRICS.dataDifferences, sum, 'differences')), asRight(m(METRICS.tablesDifferent, max, 'tables different'))],
    },
    {
      title: 'Continuous verification: keys verified, differences',
      metrics: [m(METRICS.verificationKeysVerified, sum, 'keys verified'), asRight(m(METRICS.verificationDifferences, max, 'differences')), asRight(m(METRICS.verificationSuspects, max, 'suspects'))],
    },
    { title: 'Verification age (seconds since the newest verified position)', metrics: [m(METRICS.verificationAgeSeconds, max, 'age seconds')] },
    {
      title: 'Drift differences (each check)',
      metrics: [m(METRICS.driftDifferences, max, 'all'), m(METRICS.driftSchemaDifferences, max, 'schema'), m(METRICS.driftDataDifferences, max, 'data'), m(METRICS.driftSequenceFindings, max, 'sequences')],
    },
  ];
  facade.monitorCustom({ alarmFriendlyName: `${migrationId}-replication`, humanReadableName: `Migration ${migrationId}: replication`, metricGroups: replication });
  facade.monitorCustom({ alarmFriendlyName: `${migrationId}-proof`, humanReadableName: `Migration ${migrationId}: comparison, verification, drift`, metricGroups: proof });

  // The last cutover: a single value over the dashboard's time range (the newest datapoint).
  const cutover = { migrationId, direction: 'forward' };
  const last = (entry: MetricEntry<'migrationId' | 'direction'>, label: string) => ferryMetric(entry, cutover, { statistic: max, period: Duration.days(1), label });
  facade.addWidget(
    new cloudwatch.SingleValueWidget({
      title: `Migration ${migrationId}: last cutover (newest in the time range)`,
      width: 24,
      height: 4,
      setPeriodToTimeRange: true,
      metrics: [last(METRICS.writeFreezeSeconds, 'writes frozen (s)'), last(METRICS.finalCheckRows, 'final check: rows compared'), last(METRICS.finalCheckSeconds, 'final check (s)')],
    }),
  );
}

/** On the right axis of its graph (the library places a metric there only in this form; `addAlarm` stays empty: no alarm is made). */
function asRight(metric: MetricWithAlarmSupport & { readonly label?: string }): CustomMetricWithAlarm {
  return { metric, alarmFriendlyName: metric.label ?? 'right', addAlarm: {}, position: AxisPosition.RIGHT };
}

/** The growth of a running total per minute (its difference from the previous minute's reading). */
function perMinute(total: cloudwatch.Metric, id: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({ expression: `DIFF(${id})`, usingMetrics: { [id]: total }, label: `${id} per minute`, period: MINUTE });
}

function linksWidget(stack: Stack, props: DashboardProps): cloudwatch.TextWidget {
  const console = (arn: string) => `https://${stack.region}.console.aws.amazon.com/states/home?region=${stack.region}#/statemachines/view/${arn}`;
  const workflows = Object.entries(props.stateMachines).map(([name, machine]) => `[${name}](${console(machine.stateMachineArn)})`);
  const runbook = props.runbookUrl
    ? `[Runbook: what each alarm means and what to do](${props.runbookUrl})`
    : 'Runbook: README.md of the Ferry checkout this stack was deployed from, section "Operating a deployed environment" (subsections "The dashboard" and "Alarms and what to do on each"). Each alarm\'s description holds its own runbook too.';
  return new cloudwatch.TextWidget({
    width: 16,
    height: 4,
    markdown: `### Workflows (Step Functions console)\n${workflows.join(' · ')}\n\n${runbook}\n\nThe migrations' state, lock and reports: \`npx ferry status --env <env>\`.`,
  });
}

function phasesWidget(): cloudwatch.TextWidget {
  return new cloudwatch.TextWidget({
    width: 8,
    height: 4,
    markdown: `### Phases (MigrationPhase)\n${PHASES.map((p, i) => `${i} ${p}`).join(' · ')}`,
  });
}
