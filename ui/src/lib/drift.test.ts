import { describe, expect, it } from "vitest";
import type { DatasetInfo } from "../bindings/DatasetInfo";
import type { RunInfo } from "../bindings/RunInfo";
import { compactNumber, defaultQueueName, defaultSides, firstColumn, formatStatistic, histogramLabels, sideChoices, verdictLine, staleText } from "./drift";
import { driftReport } from "./drift.fixture";

const version = (id: number, v: number, features: string[] = ["a"]) => ({
  id,
  version: v,
  contentHash: "h",
  items: 1200,
  labeled: 0,
  createdAt: "2026-01-01T00:00:00Z",
  featureNames: features,
  texts: false,
});
const datasets: DatasetInfo[] = [
  { id: 1, name: "digits", source: "d", versions: [version(1, 1, [])] },
  { id: 2, name: "wine", source: "w", versions: [version(3, 2), version(2, 1)] },
];
const run = (n: number, status: RunInfo["status"] = "done"): RunInfo => ({
  run: n,
  model: "m@1",
  dataset: "wine@2",
  versionId: 3,
  status,
  items: 10,
  failed: 0,
  provider: "cpu",
  requestedDevice: "cpu",
  notice: null,
  seconds: 1,
  itemsPerSecond: 10,
  temperature: null,
});

describe("drift sides", () => {
  it("lists every version and only finished runs", () => {
    const c = sideChoices(datasets, [run(5), run(4, "failed"), run(3)]);
    expect(c.map((x) => x.value)).toEqual(["digits@1", "wine@2", "wine@1", "5", "3"]);
    expect(c[1]?.label).toBe("wine@2 · 1,200 items · 1 features");
    expect(c[0]?.label).toBe("digits@1 · 1,200 items");
    expect(c[3]).toEqual({ value: "5", label: "Run 5 · m@1 on wine@2", group: "runs" });
  });

  it("picks the two newest versions of a dataset, else the two newest runs, else nothing", () => {
    expect(defaultSides(datasets, [])).toEqual({ reference: "wine@1", current: "wine@2" });
    const one = datasets.slice(0, 1);
    expect(defaultSides(one, [run(7), run(6, "running"), run(2)])).toEqual({ reference: "2", current: "7" });
    expect(defaultSides(one, [run(7)])).toBeNull();
  });
});

describe("drift report text", () => {
  it("says how many columns drifted", () => {
    expect(verdictLine(driftReport())).toBe("1 of 2 columns drifted");
    const one = driftReport();
    one.columns = one.columns.slice(0, 1);
    expect(verdictLine(one)).toBe("1 of 1 column drifted");
    expect(verdictLine(driftReport({ columns: [], driftedColumns: 0 }))).toBe("No feature columns compared: predictions only");
  });

  it("formats statistics and axis values", () => {
    expect(formatStatistic(1.2e-9)).toBe("1.20e-9");
    expect(formatStatistic(0)).toBe("0.0000");
    expect(formatStatistic(0.05)).toBe("0.0500");
    expect(compactNumber(12.3456)).toBe("12.35");
    expect(compactNumber(1234567)).toBe("1.2e+6");
    expect(compactNumber(0)).toBe("0");
  });

  it("labels numeric bins by range and categorical ones by value", () => {
    const [a, b] = driftReport().columns;
    expect(histogramLabels(a!.histogram)).toEqual(["11–12", "12–13", "13–14"]);
    expect(histogramLabels(b!.histogram)).toEqual(["0", "1", "2"]);
  });

  it("shows the first drifted column first and names the queue after the current side", () => {
    const r = driftReport();
    r.columns.reverse();
    expect(firstColumn(r)).toBe("alcohol");
    expect(firstColumn(driftReport({ columns: [] }))).toBeNull();
    expect(defaultQueueName(r)).toBe("drift wine@2");
  });

  it("says which report made an auto-accept stale and why", () => {
    const verdict = {
      reference: "run 1 (wine@1)",
      current: "wine@2",
      reason: "domain classifier",
      columns: ["alcohol", "proline"],
      share_drifted: 2 / 13,
      domain_auc: 0.91,
      by: "arbiter",
      at: "2026-12-06T18:00:00Z",
    };
    expect(staleText(verdict)).toBe("Drift report run 1 (wine@1) → wine@2 (2026-12-06): domain classifier; drifted columns: alcohol, proline.");
    expect(staleText({ ...verdict, columns: [] })).toBe("Drift report run 1 (wine@1) → wine@2 (2026-12-06): domain classifier; domain classifier ROC AUC 0.910.");
  });
});
