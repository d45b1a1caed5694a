/** A drift report as `drift_report` sends it, for the Drift screen's tests. */
import type { DriftReportDto } from "../bindings/DriftReportDto";

export function driftReport(over: Partial<DriftReportDto> = {}): DriftReportDto {
  return {
    reference: { spec: "wine@1", label: "wine@1", dataset: "wine", version: 1, run: null, rows: 178 },
    current: { spec: "wine@2", label: "wine@2", dataset: "wine", version: 2, run: null, rows: 178 },
    method: "default",
    columns: [
      {
        column: "alcohol",
        kind: "numeric",
        test: "ks",
        testName: "Kolmogorov–Smirnov p-value",
        statistic: 1.2e-9,
        threshold: 0.05,
        drifted: true,
        band: null,
        referenceMissing: 0,
        currentMissing: 2,
        histogram: { edges: [11, 12, 13, 14], categorical: false, reference: [0.5, 0.3, 0.2], current: [0.1, 0.3, 0.6] },
      },
      {
        column: "ash",
        kind: "categorical",
        test: "chi_square",
        testName: "chi-squared p-value",
        statistic: 0.41,
        threshold: 0.05,
        drifted: false,
        band: null,
        referenceMissing: 0,
        currentMissing: 0,
        histogram: { edges: [0, 1, 2], categorical: true, reference: [0.2, 0.3, 0.5], current: [0.25, 0.25, 0.5] },
      },
    ],
    onlyInReference: [],
    onlyInCurrent: [],
    driftedColumns: 1,
    shareDrifted: 0.5,
    datasetDrift: true,
    predictions: null,
    estimatedAccuracy: null,
    domainClassifier: null,
    autoAcceptStale: null,
    ...over,
  };
}
