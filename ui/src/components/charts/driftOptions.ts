/** The Drift screen's chart: a column's reference and current shares overlaid, bin by bin. */
import type { DriftHistogram } from "../../bindings/DriftHistogram";
import { histogramLabels } from "../../lib/drift";
import { axisLabel, axisLine, axisName, base, COLORS, escapeHtml, splitLine, tooltip } from "./options";
import type { ChartOption } from "./types";

export const DRIFT_COLORS = { reference: "#9aa2ab", current: "#2f6bed" };

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** Two bar series on the same bins (the current drawn over the reference, half transparent). */
export function driftHistogramOption(h: DriftHistogram, column: string): ChartOption {
  const labels = histogramLabels(h);
  const tip = (p: unknown) => {
    const i = (Array.isArray(p) ? (p[0] as { dataIndex?: number }) : (p as { dataIndex?: number }))?.dataIndex ?? -1;
    if (i < 0 || i >= labels.length) return "";
    return (
      `<div style="font-weight:600;margin-bottom:3px">${escapeHtml(column)} ${escapeHtml(labels[i] ?? "")}</div>` +
      `<div>Reference: ${pct(h.reference[i] ?? 0)}</div><div>Current: ${pct(h.current[i] ?? 0)}</div>`
    );
  };
  return {
    ...base,
    grid: { left: 8, right: 12, top: 28, bottom: 4, containLabel: true },
    legend: { top: 0, right: 0, itemWidth: 14, itemHeight: 8, textStyle: { fontSize: 11, color: COLORS.muted } },
    tooltip: { ...tooltip, trigger: "axis", axisPointer: { type: "shadow" }, formatter: tip },
    xAxis: {
      type: "category",
      data: labels,
      name: h.categorical ? "Value" : column,
      nameLocation: "middle",
      nameGap: 26,
      nameTextStyle: axisName,
      axisLabel: { ...axisLabel, fontSize: 10, hideOverlap: true },
      axisTick: { show: false },
      axisLine,
    },
    yAxis: {
      type: "value",
      min: 0,
      name: "Share of rows",
      nameLocation: "middle",
      nameGap: 40,
      nameTextStyle: axisName,
      axisLabel: { ...axisLabel, formatter: (v: number) => `${Math.round(v * 100)}%` },
      splitLine,
    },
    series: [
      {
        name: "Reference",
        type: "bar",
        color: DRIFT_COLORS.reference,
        data: h.reference,
        barGap: "-100%",
        barCategoryGap: h.categorical ? "30%" : "4%",
        itemStyle: { opacity: 0.75 },
      },
      {
        name: "Current",
        type: "bar",
        color: DRIFT_COLORS.current,
        data: h.current,
        barGap: "-100%",
        barCategoryGap: h.categorical ? "30%" : "4%",
        itemStyle: { opacity: 0.5 },
      },
    ],
  };
}
