import { describe, expect, it } from "vitest";
import {
  activitySeries,
  OTHERS,
  confusionData,
  historySeries,
  kappaMatrix,
  perLabelAgreement,
  reasonsStack,
  reliabilityBins,
} from "../../lib/reportData";
import { rawReport } from "../../lib/report.fixture";
import {
  activityOption,
  bucketLabel,
  bucketTitle,
  agreementAxisMin,
  confusionHeatmapData,
  confusionCellText,
  confusionOption,
  escapeHtml,
  historyOption,
  kappaBand,
  kappaHeatmapData,
  kappaOption,
  KAPPA_BANDS,
  legendRows,
  mixColor,
  perLabelOption,
  reasonsOption,
  reliabilityOption,
  textOn,
} from "./options";

const report = rawReport();

/** Runs a tooltip formatter the way ECharts would. */
function tip(option: unknown, params: unknown): string {
  const f = (option as { tooltip: { formatter: (p: unknown) => string } }).tooltip.formatter;
  return f(params);
}

describe("helpers", () => {
  it("escapes HTML", () => {
    expect(escapeHtml(`<b a="1">&'`)).toBe("&lt;b a=&quot;1&quot;&gt;&amp;&#39;");
  });

  it("picks readable text colours and mixes colours", () => {
    expect(textOn("#ffffff")).toBe("#1b1f24");
    expect(textOn("#2f6bed")).toBe("#ffffff");
    expect(textOn("nonsense")).toBe("#1b1f24");
    expect(mixColor("#000000", "#ffffff", 0.5)).toBe("#808080");
    expect(mixColor("#000000", "#ffffff", 2)).toBe("#ffffff");
  });

  it("puts kappas in Landis & Koch bands", () => {
    expect(kappaBand(-0.3)).toBe(0);
    expect(kappaBand(0)).toBe(1);
    expect(kappaBand(0.39)).toBe(2);
    expect(kappaBand(0.6)).toBe(4);
    expect(kappaBand(1)).toBe(KAPPA_BANDS.length - 1);
  });

  it("estimates how many rows a wrapping legend takes", () => {
    expect(legendRows(["a", "b"])).toBe(1);
    expect(legendRows(Array.from({ length: 12 }, (_, i) => `reason_code_${i}`))).toBeGreaterThan(1);
    expect(legendRows([])).toBe(1);
  });

  it("extends agreement axes below zero only when needed", () => {
    expect(agreementAxisMin([0.2, null, 0.9])).toBe(0);
    expect(agreementAxisMin([-0.05, 0.5])).toBe(-0.1);
    expect(agreementAxisMin([-3])).toBe(-1);
    expect(agreementAxisMin([])).toBe(0);
  });
});

describe("kappa heat map", () => {
  const m = kappaMatrix(report.agreement);

  it("splits defined cells from undefined/diagonal ones", () => {
    const d = kappaHeatmapData(m);
    expect(d.defined).toHaveLength(4); // ana-ben and ben-cy, both ways
    expect(d.defined).toContainEqual([1, 0, 0.71]);
    expect(d.defined).toContainEqual([1, 2, -0.05]);
    expect(d.other).toContainEqual([0, 2, 0]); // ana × cy undefined
    expect(d.other).toContainEqual([1, 1, 1]); // diagonal
    expect(d.other).toHaveLength(5);
  });

  it("greys a pair's κ over fewer than 10 items in common and writes n in the cells", () => {
    const few = kappaMatrix({
      ...report.agreement,
      cohen_kappa: [{ a: "ana", b: "ben", items: 6, kappa: 0.9, kappa_linear: null, kappa_quadratic: null, percent_agreement: 0.95 }],
    });
    const d = kappaHeatmapData(few);
    expect(d.defined).toHaveLength(0);
    expect(d.few).toEqual([
      [1, 0, 0.9],
      [0, 1, 0.9],
    ]);
    const opt = kappaOption(few) as { series: { name: string; label: { formatter: (p: unknown) => string } }[] };
    expect(opt.series[2]!.name).toBe("fewer than 10 items");
    expect(opt.series[2]!.label.formatter({ seriesIndex: 2, dataIndex: 0 })).toBe("0.90\n{n|n=6}");
    expect(tip(opt, { seriesIndex: 2, dataIndex: 0 })).toContain("Fewer than 10 items in common");
    const full = kappaOption(m) as { series: { label: { formatter: (p: unknown) => string } }[] };
    const i = kappaHeatmapData(m).defined.findIndex((v) => v[0] === 1 && v[1] === 0);
    expect(full.series[0]!.label.formatter({ seriesIndex: 0, dataIndex: i })).toBe("0.71\n{n|n=200}");
  });

  it("shows values and reasons on hover", () => {
    const opt = kappaOption(m);
    const d = kappaHeatmapData(m);
    const defined = d.defined.findIndex((v) => v[0] === 1 && v[1] === 0);
    expect(tip(opt, { seriesIndex: 0, dataIndex: defined })).toContain("0.710");
    const undef = d.other.findIndex((v) => v[0] === 0 && v[1] === 2);
    expect(tip(opt, { seriesIndex: 1, dataIndex: undef })).toContain("the two annotators rated no item in common");
    const diag = d.other.findIndex((v) => v[2] === 1);
    expect(tip(opt, { seriesIndex: 1, dataIndex: diag })).toBe("");
    expect(opt.xAxis).toMatchObject({ data: ["ana", "ben", "cy"] });
  });
});

describe("confusion heat map", () => {
  const c = confusionData(report.model_quality!);

  it("keeps counts and separates correct cells from confusions", () => {
    const d = confusionHeatmapData(c);
    expect(d.diagonal.map((v) => v[2])).toEqual([43, 30, 0]);
    expect(d.off).toHaveLength(6);
    // dog→cat: 10 of 40 decided dogs; the largest confusion share is bird→dog (8 of 10).
    expect(d.offMax).toBeCloseTo(0.8, 12);
    expect(d.off.find((v) => v[0] === 0 && v[1] === 1)).toEqual([0, 1, 10, 0.25 / 0.8]);
  });

  it("writes counts in the cells, none in empty cells; short labels stay upright", () => {
    expect(confusionCellText({ value: [0, 1, 1234, 0.3] })).toBe("1,234");
    expect(confusionCellText({ value: [2, 2, 0, 0] })).toBe("");
    const digits = ["0", "1", "2", "3", "4", "5", "6", "7"];
    const opt = confusionOption({ ...c, labels: digits }) as { xAxis: { axisLabel: { rotate: number } } };
    expect(opt.xAxis.axisLabel.rotate).toBe(0);
    const long = confusionOption({ ...c, labels: ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog"] }) as {
      xAxis: { axisLabel: { rotate: number } };
    };
    expect(long.xAxis.axisLabel.rotate).toBe(30);
  });

  it("names decided and predicted labels on hover", () => {
    const opt = confusionOption(c);
    const text = tip(opt, { value: [0, 1, 10, 0.3] });
    expect(text).toContain("Decided dog, predicted cat");
    expect(text).toContain("25.0%");
  });
});

describe("reliability diagram", () => {
  it("draws accuracy bars, mean-confidence points, the diagonal; counts in the axis labels", () => {
    const bins = reliabilityBins(report.model_quality!);
    const opt = reliabilityOption(bins) as { series: { data: unknown[] }[]; xAxis: { data: string[] } };
    expect(opt.series[0]!.data).toEqual(["-", 0.45, 0.9]);
    expect(opt.series[1]!.data).toEqual(["-", 0.55, 0.95]);
    expect(opt.series[2]!.data).toEqual([0.05, 0.55, 0.95]);
    expect(opt.xAxis.data[2]).toBe("0.9–1.0\nn=80");
    const text = tip(opt, [{ dataIndex: 1 }]);
    expect(text).toContain("Items");
    expect(text).toContain("45.0%");
    expect(text).toContain("Over-confident");
    expect(tip(opt, [{ dataIndex: 0 }])).toContain("No predictions in this bin");
  });
});

describe("other charts", () => {
  it("per-label bars show the reason for a null instead of a value", () => {
    const rows = perLabelAgreement(report.agreement);
    const opt = perLabelOption(rows, { cat: "#e5484d" }) as { series: { data: { value: number; label?: { formatter: string } }[] }[] };
    expect(opt.series[0]!.data[0]).toMatchObject({ value: 0.75, itemStyle: { color: "#e5484d" } });
    expect(opt.series[0]!.data[2]!.label!.formatter).toBe("— no variation: every rating has the same value");
    expect(tip(opt, [{ dataIndex: 2 }])).toContain("Undefined: no variation");
    const label = (opt.series[0] as unknown as { label: { formatter: (p: unknown) => string } }).label;
    expect(label.formatter([{ dataIndex: 0 }])).toBe("0.750  n = 260");
  });

  it("per-label bars over fewer than 10 items are grey", () => {
    const rows = perLabelAgreement({ ...report.agreement, items: 8 });
    const opt = perLabelOption(rows, { cat: "#e5484d" }) as { series: { data: { itemStyle: { color: string } }[] }[] };
    expect(opt.series[0]!.data[0]!.itemStyle.color).toBe("#c9ced5");
    expect(tip(opt, [{ dataIndex: 0 }])).toContain("Fewer than 10 items");
  });

  it("reasons stack one bar series per reason", () => {
    const opt = reasonsOption(reasonsStack(report.reasons_by_class), { bad_input: "Broken <input>" }) as {
      series: { name: string; stack: string; data: number[] }[];
    };
    expect(opt.series.map((s) => s.name)).toEqual(["bad_input", "model_wrong", "ambiguous"]);
    expect(opt.series.every((s) => s.stack === "reasons")).toBe(true);
    const text = tip(opt, [{ dataIndex: 2 }]);
    expect(text).toContain("(undecided)");
    expect(text).toContain("Broken &lt;input&gt;");
  });

  it("history lines leave gaps for nulls", () => {
    const pts = historySeries(
      [
        { at: "2026-01-01T00:00:00Z", scope: "project", annotations: 1, alpha: null, fleiss: 0.4, ac1: 0.5, percentAgreement: 0.7 },
        { at: "2026-01-02T00:00:00Z", scope: "project", annotations: 2, alpha: 0.6, fleiss: null, ac1: 0.5, percentAgreement: 0.8 },
      ],
      "project",
    );
    const opt = historyOption(pts) as { series: { name: string; data: unknown[][] }[] };
    expect(opt.series[0]!.data).toEqual([
      [1, "-"],
      [2, 0.6],
    ]);
    expect(tip(opt, [{ dataIndex: 0 }])).toContain("—");
  });

  it("plots agreement against the ratings given, not the clock", () => {
    const pts = historySeries(
      [
        { at: "2026-01-01T10:00:00Z", scope: "project", annotations: 50, alpha: 0.7, fleiss: 0.7, ac1: 0.7, percentAgreement: 0.8 },
        { at: "2026-01-01T09:00:00Z", scope: "project", annotations: 25, alpha: 0.5, fleiss: 0.5, ac1: 0.5, percentAgreement: 0.7 },
      ],
      "project",
    );
    const opt = historyOption(pts) as { xAxis: { type: string; name: string; min: number; max: number }; series: { data: unknown[][] }[] };
    expect(opt.xAxis).toMatchObject({ type: "value", name: "Ratings given", min: 0, max: 75 });
    expect(opt.series[0]!.data).toEqual([
      [25, 0.5],
      [50, 0.7],
    ]);
    const text = tip(opt, [{ dataIndex: 1 }]);
    expect(text).toContain("After 50 ratings");
    expect(text).toContain("Recorded");
  });
});

describe("activity over time", () => {
  it("stacks labels per annotator with the decided line, numbers in the tooltip", () => {
    const a = activitySeries(report.activity)!;
    expect(a.series.map((s) => s.name)).toEqual(["ana", "ben", "cy"]);
    const opt = activityOption(a) as { series: { type: string; data: number[]; stack?: string; yAxisIndex?: number }[]; xAxis: { data: string[] } };
    expect(opt.series.map((s) => s.type)).toEqual(["bar", "bar", "bar", "line"]);
    expect(opt.series[3]!.data).toEqual([300, 300, 500]);
    expect(opt.series[3]!.yAxisIndex).toBe(1);
    expect(opt.xAxis.data).toEqual(["1 Jan 09:00", "10:00", "11:00"]);
    const html = tip(opt, [{ dataIndex: 2 }]);
    expect(html).toContain("1 Jan 2026, 11:00–12:00 UTC");
    expect(html).toContain("320");
    expect(html).toContain("cy");
    expect(html).toContain("500");
  });

  it("sums the quieter annotators beyond the limit and labels days and weeks", () => {
    const per: Record<string, number[]> = {};
    for (let i = 0; i < 5; i++) per[`a${i}`] = [i + 1];
    const a = activitySeries({ bucket: "week", starts: ["2026-01-05T00:00:00Z"], labels: [15], per_annotator: per, decided: [2], skipped: 0 }, 3)!;
    expect(a.series.map((s) => s.name)).toEqual(["a4", "a3", OTHERS]);
    expect(a.series[2]!.values).toEqual([6]);
    const t = Date.parse("2026-01-05T00:00:00Z");
    expect(bucketLabel(t, "week", null)).toBe("w/c 5 Jan");
    expect(bucketLabel(t, "day", null)).toBe("5 Jan");
    expect(bucketTitle(t, "day")).toBe("5 Jan 2026 (UTC)");
    expect(activitySeries({ bucket: null, starts: [], labels: [], per_annotator: {}, decided: [], skipped: 0 })).toBeNull();
  });
});
