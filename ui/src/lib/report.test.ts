import { describe, expect, it } from "vitest";
import type { AgreementPoint } from "../bindings/AgreementPoint";
import { num, own } from "./report";
import {
  accuracyLines,
  annotatorRows,
  binLabel,
  calibrationBasis,
  confusionData,
  eceFromBins,
  formatPercent,
  formatStat,
  headlineFigures,
  isSmallSample,
  nText,
  historyScopes,
  historySeries,
  kappaMatrix,
  qualityItems,
  perLabelAgreement,
  progressParts,
  reasonFor,
  reasonsStack,
  reliabilityBins,
  reportEce,
  throughput,
  UNDECIDED,
  worstLabels,
} from "./reportData";
import { rawReport } from "./report.fixture";

describe("num", () => {
  it("turns NaN into null and keeps a finite number", () => {
    expect(num(Number.NaN)).toBeNull();
    expect(num(-0.25)).toBe(-0.25);
  });
});

describe("nulls and their reasons", () => {
  const r = rawReport();

  it("uses the backend's reason, else one implied by the report's shape", () => {
    expect(reasonFor(r.agreement, "fleiss_kappa")).toMatch(/unequal numbers of ratings/);
    expect(reasonFor(r.agreement, "krippendorff_alpha.ordinal")).toBe("only for numeric labels");
    expect(reasonFor(r.agreement, "cohen_kappa.ana/ben.kappa_linear")).toBe("only for numeric labels");
    expect(reasonFor(r.agreement, "something.else")).toBe("not defined for this data");
    // A label called like an Object.prototype member is not looked up on the prototype.
    expect(reasonFor(r.agreement, "constructor")).toBe("not defined for this data");
    expect(own({ a: 1 }, "toString")).toBeUndefined();
  });

  it("gives each headline figure its value or its reason", () => {
    const f = headlineFigures(r.agreement);
    expect(f.map((x) => x.key)).toEqual(["alpha", "fleiss", "ac1", "percent"]);
    expect(f[0]).toMatchObject({ value: 0.69, reason: null, percent: false, items: 260 });
    expect(f[1]).toMatchObject({ value: null, reason: expect.stringMatching(/Fleiss' kappa needs/) });
    expect(f[3]).toMatchObject({ value: 0.84, percent: true });
    for (const x of f) expect(x.value === null ? typeof x.reason : x.reason).toBe(x.value === null ? "string" : null);
  });

  it("marks statistics on fewer than 10 items", () => {
    expect(isSmallSample(9)).toBe(true);
    expect(isSmallSample(10)).toBe(false);
    expect(isSmallSample(0)).toBe(true);
    expect(nText(1204)).toBe("n = 1,204");
  });

  it("formats statistics without ever printing NaN", () => {
    expect(formatStat(0.71234)).toBe("0.712");
    expect(formatStat(-0.05)).toBe("−0.050");
    expect(formatStat(-0.0001)).toBe("0.000");
    expect(formatStat(null)).toBe("—");
    expect(formatStat(Number.NaN)).toBe("—");
    expect(formatPercent(0.8421)).toBe("84.2%");
    expect(formatPercent(null)).toBe("—");
  });
});

describe("progress and throughput", () => {
  it("splits the items by status", () => {
    const p = progressParts(rawReport().progress);
    expect(p).toEqual({ decided: 240, conflicts: 20, pending: 40, untouched: 700, total: 1000, done: 0.3 });
  });

  it("sums the last hour and takes the median of the medians", () => {
    const t = throughput(rawReport().annotators);
    expect(t).toEqual({ lastHour: 40, active: 2, medianSeconds: 4 });
    expect(throughput([]).medianSeconds).toBeNull();
  });
});

describe("kappaMatrix", () => {
  const a = rawReport().agreement;
  const m = kappaMatrix(a);

  it("is square over the annotators, symmetric, with a marked diagonal", () => {
    expect(m.names).toEqual(["ana", "ben", "cy"]);
    expect(m.cells).toHaveLength(9);
    const at = (row: number, col: number) => m.cells.find((c) => c.row === row && c.col === col)!;
    expect(at(0, 1).value).toBe(0.71);
    expect(at(1, 0).value).toBe(0.71);
    expect(at(1, 2).value).toBe(-0.05);
    expect(at(2, 1)).toMatchObject({ value: -0.05, items: 50, percent: 0.4 });
    for (let i = 0; i < 3; i++) expect(at(i, i)).toMatchObject({ diagonal: true, value: null });
  });

  it("carries the reason of an undefined pair", () => {
    const c = m.cells.find((x) => x.row === 2 && x.col === 0)!;
    expect(c).toMatchObject({ value: null, diagonal: false, reason: "the two annotators rated no item in common" });
  });
});

describe("per-label agreement", () => {
  it("follows the label order and explains nulls", () => {
    const rows = perLabelAgreement(rawReport().agreement);
    expect(rows).toEqual([
      { label: "cat", value: 0.75, reason: null, items: 260 },
      { label: "dog", value: 0.7, reason: null, items: 260 },
      { label: "bird", value: null, reason: "no variation: every rating has the same value", items: 260 },
    ]);
  });
});

describe("worstLabels", () => {
  it("keeps every label when they fit, else the lowest agreement first", () => {
    const rows = perLabelAgreement(rawReport().agreement);
    expect(worstLabels(rows, 5)).toEqual({ rows, hidden: 0 });
    const w = worstLabels(rows, 2);
    expect(w.rows.map((r) => r.label)).toEqual(["dog", "cat"]);
    expect(w.hidden).toBe(1);
  });
});

describe("confusionData", () => {
  it("gives counts, row totals and row shares", () => {
    const c = confusionData(rawReport().model_quality!);
    expect(c.rowTotals).toEqual([50, 40, 10]);
    expect(c.total).toBe(100);
    expect(c.maxCount).toBe(43);
    const cell = c.cells.find((x) => x.row === 1 && x.col === 0)!;
    expect(cell).toEqual({ col: 0, row: 1, count: 10, share: 0.25 });
  });

  it("keeps only the busiest labels when there are too many", () => {
    const c = confusionData(rawReport().model_quality!, 2);
    // cat: 50 decided + 55 predicted; dog: 40 + 45; bird: 10 + 0.
    expect(c.labels).toEqual(["cat", "dog"]);
    expect(c.hidden).toBe(1);
    expect(c.cells).toHaveLength(4);
    expect(c.rowTotals).toEqual([50, 40]);
    expect(c.cells.find((x) => x.row === 1 && x.col === 0)).toEqual({ col: 0, row: 1, count: 10, share: 0.25 });
    expect(confusionData(rawReport().model_quality!).hidden).toBe(0);
  });

  it("has no share for an empty row", () => {
    const q = rawReport().model_quality!;
    q.confusion[2] = [0, 0, 0];
    const c = confusionData(q);
    expect(c.cells.filter((x) => x.row === 2).every((x) => x.share === null)).toBe(true);
  });
});

describe("reliability", () => {
  const q = rawReport().model_quality!;

  it("labels the bins and computes the gap; empty bins have no values", () => {
    const bins = reliabilityBins(q);
    expect(bins.map((b) => b.label)).toEqual(["0.0–0.1", "0.5–0.6", "0.9–1.0"]);
    expect(bins[0]).toMatchObject({ items: 0, accuracy: null, meanConfidence: null, gap: null });
    expect(bins[1]!.gap).toBeCloseTo(-0.1, 12);
    expect(binLabel(0.1, 0.2)).toBe("0.1–0.2");
  });

  it("computes the ECE from the bins (weighted mean absolute gap)", () => {
    // (20·0.10 + 80·0.05) / 100
    expect(eceFromBins(reliabilityBins(q))).toBeCloseTo(0.06, 12);
    expect(eceFromBins([])).toBeNull();
    expect(reportEce(q)).toBe(0.061);
    expect(reportEce({ ...q, ece: null })).toBeCloseTo(0.06, 12);
  });
});

describe("calibration basis", () => {
  it("names the items the ECE and bins rest on: the fair sample, or every decided item (biased)", () => {
    const q = rawReport().model_quality!;
    expect(qualityItems(q)).toBe(100);
    expect(calibrationBasis(q)).toMatch(/random sample/);
    const biased = { ...q, calibration_on: "all_decided", calibration_items: 40 };
    expect(qualityItems(biased)).toBe(40);
    expect(calibrationBasis(biased)).toMatch(/biased toward the hard items/);
  });
});

describe("accuracyLines", () => {
  it("keeps the unbiased random sample apart from the biased figures", () => {
    const lines = accuracyLines(rawReport().model_quality!);
    expect(lines.map((l) => l.key)).toEqual(["random", "uncertainty", "overall"]);
    expect(lines[0]!.estimate).toEqual({ items: 60, correct: 51, accuracy: 0.85, low: 0.74, high: 0.92 });
    expect(lines[1]!.note).toMatch(/not an estimate of its accuracy/);
    expect(lines[1]!.title).toBe("Uncertainty queues");
  });

  it("says why an estimate is missing", () => {
    const q = rawReport().model_quality!;
    q.random_sample = { items: 0, correct: 0, accuracy: null, low: null, high: null };
    expect(accuracyLines(q)[0]!.reason).toMatch(/random queues/);
  });
});

describe("reasonsStack", () => {
  it("orders classes by total with (undecided) last, reasons by total", () => {
    const s = reasonsStack(rawReport().reasons_by_class);
    expect(s.classes).toEqual(["dog", "cat", UNDECIDED]);
    expect(s.reasons).toEqual(["bad_input", "model_wrong", "ambiguous"]);
    // values[reason][class]
    expect(s.values).toEqual([
      [1, 0, 9],
      [6, 3, 0],
      [0, 1, 0],
    ]);
    expect(s.classTotals).toEqual([7, 4, 9]);
  });

  it("is empty without reasons", () => {
    expect(reasonsStack({})).toEqual({ classes: [], reasons: [], values: [], classTotals: [] });
  });
});

describe("annotatorRows", () => {
  it("joins pace with agreement and explains a null kappa", () => {
    const rows = annotatorRows(rawReport());
    expect(rows[0]).toMatchObject({ name: "ana", role: "lead", kappa: 0.74, kappaItems: 180, percent: 0.88, kappaReason: null });
    expect(rows[2]).toMatchObject({ name: "cy", kappa: null, kappaReason: expect.stringMatching(/chance disagreement is zero/) });
  });
});

describe("agreement history", () => {
  const p = (at: string, alpha: number | null, scope = "project", annotations = 10): AgreementPoint => ({
    at,
    scope,
    annotations,
    alpha,
    fleiss: null,
    ac1: 0.5,
    percentAgreement: 0.8,
  });

  it("lists scopes with project first", () => {
    expect(historyScopes([p("2026-01-01T00:00:00Z", 1, "dataset version 2"), p("2026-01-02T00:00:00Z", 1)])).toEqual([
      "project",
      "dataset version 2",
    ]);
  });

  it("filters by scope, sorts by time and keeps only the ends of identical runs", () => {
    const points = [
      p("2026-01-03T00:00:00.000Z", 0.6),
      p("2026-01-01T00:00:00.000Z", 0.5),
      p("2026-01-02T00:00:00.000Z", 0.5),
      p("2026-01-02T12:00:00.000Z", 0.5),
      p("2026-01-02T18:00:00.000Z", 0.5),
      p("2026-01-02T19:00:00.000Z", 0.9, "dataset version 2"),
      p("not a date", 0.1),
    ];
    const s = historySeries(points, "project");
    expect(s.map((x) => x.at)).toEqual([
      "2026-01-01T00:00:00.000Z",
      "2026-01-02T18:00:00.000Z",
      "2026-01-03T00:00:00.000Z",
    ]);
    expect(s[0]).toMatchObject({ alpha: 0.5, fleiss: null, ac1: 0.5, percent: 0.8, annotations: 10 });
  });

  it("orders the points by the ratings they were recorded at", () => {
    const s = historySeries(
      [p("2026-01-02T00:00:00Z", 0.7, "project", 50), p("2026-01-01T00:00:00Z", 0.5, "project", 25), p("2026-01-03T00:00:00Z", 0.6, "project", 25)],
      "project",
    );
    expect(s.map((x) => [x.annotations, x.alpha])).toEqual([
      [25, 0.5],
      [25, 0.6],
      [50, 0.7],
    ]);
  });

  it("does not merge points whose annotation count changed", () => {
    const s = historySeries(
      [p("2026-01-01T00:00:00Z", 0.5, "project", 1), p("2026-01-02T00:00:00Z", 0.5, "project", 2), p("2026-01-03T00:00:00Z", 0.5, "project", 3)],
      "project",
    );
    expect(s).toHaveLength(3);
  });
});
