import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';

/** One Logger and one Metrics for every function (Powertools; EMF metrics in namespace Ferry). */
export const logger = new Logger({ serviceName: 'ferry' });
export const metrics = new Metrics({ namespace: 'Ferry', serviceName: 'ferry' });

/** What a step needs to report numbers; Powertools Metrics in Lambda, an in-memory list locally. */
export interface MetricsPort {
  add(name: string, unit: MetricUnitName, value: number, dimensions?: Readonly<Record<string, string>>): void;
}

const UNITS = {
  Count: MetricUnit.Count,
  'Count/Second': MetricUnit.CountPerSecond,
  Milliseconds: MetricUnit.Milliseconds,
  Seconds: MetricUnit.Seconds,
  Bytes: MetricUnit.Bytes,
} as const;

export type MetricUnitName = keyof typeof UNITS;

export const emfMetrics: MetricsPort = {
  add(name, unit, value, dimensions = {}) {
    const single = metrics.singleMetric();
    for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
    single.addMetric(name, UNITS[unit], value);
  },
};

export class MemoryMetrics implements MetricsPort {
  readonly recorded: Array<{ name: string; unit: string; value: number; dimensions: Readonly<Record<string, string>> }> = [];

  add(name: string, unit: string, value: number, dimensions: Readonly<Record<string, string>> = {}): void {
    this.recorded.push({ name, unit, value, dimensions });
  }
}
