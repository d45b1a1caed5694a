import { describe, expect, it } from "vitest";
import { driftReport } from "../../lib/drift.fixture";
import { driftHistogramOption } from "./driftOptions";

describe("driftHistogramOption", () => {
  it("overlays the reference and current shares on the same bins", () => {
    const c = driftReport().columns[0]!;
    const o = driftHistogramOption(c.histogram, c.column);
    const series = o.series as { name: string; data: number[]; barGap: string }[];
    expect(series.map((s) => s.name)).toEqual(["Reference", "Current"]);
    expect(series[0]!.data).toEqual([0.5, 0.3, 0.2]);
    expect(series[1]!.data).toEqual([0.1, 0.3, 0.6]);
    expect(series.every((s) => s.barGap === "-100%")).toBe(true);
    expect((o.xAxis as { data: string[] }).data).toEqual(["11–12", "12–13", "13–14"]);
  });

  it("escapes the column name in its tooltip", () => {
    const c = driftReport().columns[1]!;
    const o = driftHistogramOption(c.histogram, "<b>");
    const tip = (o.tooltip as { formatter: (p: unknown) => string }).formatter([{ dataIndex: 2 }]);
    expect(tip).toContain("&lt;b&gt;");
    expect(tip).toContain("Reference: 50.0%");
    expect((o.tooltip as { formatter: (p: unknown) => string }).formatter([{ dataIndex: 9 }])).toBe("");
  });
});
