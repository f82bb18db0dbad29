import { beforeAll, describe, expect, it } from 'vitest';
import { RECONCILE_METRIC } from '../../src/contracts/reconcile.js';
import { gapsMetricLine, reconcileReport } from '../../src/services/reconcile/reconcile.js';
import { exampleBlueprint, propertiesOf, type SynthesizedSharedCompute, synthSharedCompute } from './fixtures.js';

let synth: SynthesizedSharedCompute;
beforeAll(() => {
  synth = synthSharedCompute(exampleBlueprint());
});

describe('reconcile gaps in AWS', () => {
  it('alarms on the ArchiveGaps metric the reconcile run publishes, to the alert topic, at the first gap', () => {
    const alarms = propertiesOf(synth.core, 'AWS::CloudWatch::Alarm').filter(
      (a) => a.MetricName === RECONCILE_METRIC.gapsMetricName,
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({
      Namespace: 'PanOps/Reconcile',
      Statistic: 'Maximum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(alarms[0]?.Dimensions).toBeUndefined();
    expect(JSON.stringify(alarms[0]?.AlarmActions)).toMatch(/Alerts/);
  });

  it('the run’s embedded-metric line carries the same namespace and name, with a dimensionless series for the alarm', () => {
    const report = reconcileReport(
      { id: 'c', slug: 'acme-capital' },
      new Date('2026-11-01T00:00:00Z'),
      [{ platform: 'slack', connectorId: 's', day: '2026-11-02', ids: ['C:1'], count: 1 }],
      [],
    );
    const line = JSON.parse(gapsMetricLine(report));
    expect(line._aws.CloudWatchMetrics[0]).toEqual({
      Namespace: RECONCILE_METRIC.namespace,
      Dimensions: [['Customer'], []],
      Metrics: [{ Name: RECONCILE_METRIC.gapsMetricName, Unit: 'Count' }],
    });
    expect(line.ArchiveGaps).toBe(1);
  });
});
