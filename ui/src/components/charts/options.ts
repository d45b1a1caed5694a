/**
 * ECharts options of the dashboard's charts, built from the report's data (lib/report.ts).
 * Pure: no ECharts code runs here (types only), so these are unit-tested without a canvas.
 * Tooltips are HTML: every name and reason from the data is escaped.
 */
import {
  formatPercent,
  formatStat,
  isSmallSample,
  nText,
  SMALL_SAMPLE,
  type ActivitySeries,
  type Confusion,
  type HistoryPoint,
  type KappaMatrix,
  type LabelAgreement,
  type ReasonsStack,
  type ReliabilityBin,
} from "../../lib/reportData";
import type { ChartOption } from "./types";

export const COLORS = {
  text: "#1b1f24",
  muted: "#656d76",
  faint: "#9aa2ab",
  line: "#e1e4e8",
  accent: "#2f6bed",
  orange: "#e8780c",
  empty: "#eef0f3",
};

const FONT =
  'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans", "DejaVu Sans", Arial, sans-serif';

/** Categorical colours (reason codes, series). */
export const PALETTE = ["#2f6bed", "#e5484d", "#f5a524", "#30a46c", "#8e4ec6", "#12a594", "#d6409f", "#978365", "#5b6b7f"];

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** Text colour readable on `background` (#rrggbb): dark on light fills, white on dark ones. */
export function textOn(background: string): string {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(background.trim());
  if (!m) return COLORS.text;
  const linear = (h: string | undefined) => {
    const c = parseInt(h ?? "0", 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * linear(m[1]) + 0.7152 * linear(m[2]) + 0.0722 * linear(m[3]);
  return luminance > 0.36 ? COLORS.text : "#ffffff";
}

/** Linear mix of two #rrggbb colours, t in 0..1. */
export function mixColor(from: string, to: string, t: number): string {
  const p = (c: string) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
  const a = p(from);
  const b = p(to);
  const k = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0));
  return `#${a.map((x, i) => Math.round(x + ((b[i] ?? x) - x) * k).toString(16).padStart(2, "0")).join("")}`;
}

export const base = {
  animationDuration: 300,
  textStyle: { fontFamily: FONT, color: COLORS.text },
};

export const tooltip = {
  confine: true,
  backgroundColor: "#ffffff",
  borderColor: "#c9ced5",
  borderWidth: 1,
  padding: [6, 9],
  textStyle: { fontSize: 12, color: COLORS.text, fontFamily: FONT },
  extraCssText: "box-shadow: 0 4px 16px rgba(0,0,0,.12); max-width: 320px; white-space: normal;",
};

export const axisLabel = { color: COLORS.muted, fontSize: 11 };
export const splitLine = { lineStyle: { color: COLORS.line } };
export const axisLine = { lineStyle: { color: "#c9ced5" } };
export const axisName = { color: COLORS.muted, fontSize: 11 };

type Param = { dataIndex: number; seriesIndex?: number; seriesName?: string; color?: unknown };

function list(p: unknown): Param[] {
  return (Array.isArray(p) ? p : [p]) as Param[];
}

/** A parameter read as one of another series (a label formatter of one series over another's data). */
function inSeries(p: Param | undefined, seriesIndex: number): Param | undefined {
  return p && { ...p, seriesIndex };
}

function row(label: string, value: string, swatch?: string): string {
  const dot = swatch
    ? `<span style="display:inline-block;width:8px;height:8px;border-radius:50%;background:${swatch};margin-right:6px"></span>`
    : "";
  return `<div style="display:flex;justify-content:space-between;gap:16px"><span>${dot}${label}</span><b style="font-variant-numeric:tabular-nums">${value}</b></div>`;
}

function title(text: string): string {
  return `<div style="font-weight:600;margin-bottom:3px">${text}</div>`;
}

function note(text: string): string {
  return `<div style="color:${COLORS.muted};margin-top:3px">${text}</div>`;
}

/** Lower bound of a value axis holding agreement figures: 0, or below the lowest value. */
export function agreementAxisMin(values: (number | null)[]): number {
  const low = Math.min(0, ...values.filter((v): v is number => v !== null));
  return low >= 0 ? 0 : Math.max(-1, Math.floor(low * 10) / 10);
}

// ---------------------------------------------------------------- agreement over time

export const HISTORY_SERIES: { key: "alpha" | "fleiss" | "ac1" | "percent"; name: string; color: string }[] = [
  { key: "alpha", name: "Krippendorff's α", color: COLORS.accent },
  { key: "fleiss", name: "Fleiss' κ", color: "#8e4ec6" },
  { key: "ac1", name: "Gwet's AC1", color: "#30a46c" },
  { key: "percent", name: "Percent agreement", color: COLORS.orange },
];

/**
 * Agreement against labeling progress: x = the ratings given when the point was recorded (the
 * core records one every 25 ratings), so the line follows the work, not the calendar.
 */
export function historyOption(points: HistoryPoint[]): ChartOption {
  const values = points.flatMap((p) => [p.alpha, p.fleiss, p.ac1, p.percent]);
  const maxX = Math.max(0, ...points.map((p) => p.annotations));
  return {
    ...base,
    grid: { left: 8, right: 18, top: 34, bottom: 22 },
    legend: { top: 0, left: 0, itemWidth: 14, itemHeight: 8, textStyle: { fontSize: 11, color: COLORS.muted } },
    tooltip: {
      ...tooltip,
      trigger: "axis",
      formatter: (p: unknown) => {
        const ps = list(p);
        const point = points[ps[0]?.dataIndex ?? -1];
        if (!point) return "";
        const when = new Date(point.t).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
        return (
          title(`After ${point.annotations.toLocaleString("en-US")} ratings`) +
          HISTORY_SERIES.map((s) =>
            row(s.name, s.key === "percent" ? formatPercent(point[s.key]) : formatStat(point[s.key]), s.color),
          ).join("") +
          note(`Recorded ${escapeHtml(when)}`)
        );
      },
    },
    xAxis: {
      type: "value",
      min: 0,
      // The last point would sit on the axis' edge: room up to the next 25 ratings after it.
      max: Math.floor(maxX / 25) * 25 + 25,
      name: "Ratings given",
      nameLocation: "middle",
      nameGap: 22,
      nameTextStyle: axisName,
      minInterval: 1,
      axisLabel: { ...axisLabel, hideOverlap: true, formatter: (v: number) => v.toLocaleString("en-US") },
      axisLine,
      splitLine: { show: false },
    },
    yAxis: { type: "value", min: agreementAxisMin(values), max: 1, axisLabel, splitLine },
    series: HISTORY_SERIES.map((s) => ({
      name: s.name,
      type: "line" as const,
      color: s.color,
      data: points.map((p) => [p.annotations, p[s.key] ?? "-"]),
      connectNulls: false,
      showSymbol: points.length <= 40,
      symbolSize: 5,
      lineStyle: { width: 2 },
      emphasis: { focus: "series" as const },
    })),
  };
}

// ---------------------------------------------------------------- pairwise kappa heat map

/** Landis & Koch's bands for kappa. */
export const KAPPA_BANDS: { min: number | null; max: number | null; label: string; color: string }[] = [
  { min: null, max: 0, label: "< 0 poor", color: "#f2a9a2" },
  { min: 0, max: 0.2, label: "0–0.2 slight", color: "#f7cf9f" },
  { min: 0.2, max: 0.4, label: "0.2–0.4 fair", color: "#f9e79c" },
  { min: 0.4, max: 0.6, label: "0.4–0.6 moderate", color: "#dcebab" },
  { min: 0.6, max: 0.8, label: "0.6–0.8 substantial", color: "#a9dcb6" },
  { min: 0.8, max: null, label: "≥ 0.8 almost perfect", color: "#6cc28d" },
];

/** Index of the band a kappa falls in (lower bounds inclusive). */
export function kappaBand(v: number): number {
  for (let i = KAPPA_BANDS.length - 1; i >= 0; i--) {
    const min = KAPPA_BANDS[i]?.min ?? null;
    if (min === null || v >= min) return i;
  }
  return 0;
}

/**
 * Heat-map data: the defined cells (`[x, y, kappa]`), those on fewer than `SMALL_SAMPLE` items
 * (`few`, drawn grey: their κ can swing with one label), and the rest (`[x, y, 0 = undefined | 1 = diagonal]`).
 */
export function kappaHeatmapData(m: KappaMatrix): {
  defined: number[][];
  few: number[][];
  other: number[][];
  definedIdx: number[];
  fewIdx: number[];
  otherIdx: number[];
} {
  const defined: number[][] = [];
  const few: number[][] = [];
  const other: number[][] = [];
  const definedIdx: number[] = [];
  const fewIdx: number[] = [];
  const otherIdx: number[] = [];
  m.cells.forEach((c, i) => {
    if (c.value !== null && isSmallSample(c.items)) {
      few.push([c.col, c.row, c.value]);
      fewIdx.push(i);
    } else if (c.value !== null) {
      defined.push([c.col, c.row, c.value]);
      definedIdx.push(i);
    } else {
      other.push([c.col, c.row, c.diagonal ? 1 : 0]);
      otherIdx.push(i);
    }
  });
  return { defined, few, other, definedIdx, fewIdx, otherIdx };
}

export function kappaOption(m: KappaMatrix): ChartOption {
  const { defined, few, other, definedIdx, fewIdx, otherIdx } = kappaHeatmapData(m);
  const n = m.names.length;
  const index = [definedIdx, otherIdx, fewIdx];
  const cellOf = (p: Param | undefined) => (p ? m.cells[index[p.seriesIndex ?? 0]?.[p.dataIndex] ?? -1] : undefined);
  const showLabels = n <= 12;
  // Room for "n = 24" under the κ in each cell while the cells are large.
  const showN = n <= 6;
  const cellText = (p: unknown) => {
    const c = cellOf(list(p)[0]);
    if (!c || c.value === null) return "";
    return showN ? `${formatStat(c.value, 2)}\n{n|n=${c.items.toLocaleString("en-US")}}` : formatStat(c.value, 2);
  };
  return {
    ...base,
    // Room on the right for the band legend (its longest text, "≥ 0.8 almost perfect", is ~125 px).
    grid: { left: 8, right: 180, top: 8, bottom: 8 },
    tooltip: {
      ...tooltip,
      trigger: "item",
      formatter: (p: unknown) => {
        const c = cellOf(list(p)[0]);
        if (!c || c.diagonal) return "";
        const a = escapeHtml(m.names[c.row] ?? "");
        const b = escapeHtml(m.names[c.col] ?? "");
        const head = title(`${a} × ${b}`);
        if (c.value === null) return head + row("Cohen's κ", "—") + note(`Undefined: ${escapeHtml(c.reason ?? "")}`) + note(`${c.items} items in common`);
        return (
          head +
          row("Cohen's κ", formatStat(c.value)) +
          row("Percent agreement", formatPercent(c.percent)) +
          row("Items in common", c.items.toLocaleString("en-US")) +
          note(
            isSmallSample(c.items)
              ? `Fewer than ${SMALL_SAMPLE} items in common: greyed, read with care.`
              : (KAPPA_BANDS[kappaBand(c.value)]?.label ?? "").replace(/^[^a-z]*/i, ""),
          )
        );
      },
    },
    xAxis: {
      type: "category",
      data: m.names,
      position: "top",
      axisLabel: { ...axisLabel, interval: n > 16 ? "auto" : 0, rotate: n > 5 ? 30 : 0, overflow: "truncate", width: 90 },
      axisTick: { show: false },
      axisLine: { show: false },
      splitArea: { show: false },
    },
    yAxis: {
      type: "category",
      data: m.names,
      inverse: true,
      axisLabel: { ...axisLabel, interval: n > 16 ? "auto" : 0, overflow: "truncate", width: 90 },
      axisTick: { show: false },
      axisLine: { show: false },
      splitArea: { show: false },
    },
    visualMap: [
      {
        type: "piecewise",
        seriesIndex: 0,
        dimension: 2,
        orient: "vertical",
        right: 0,
        align: "left",
        top: "middle",
        itemWidth: 12,
        itemHeight: 10,
        itemGap: 6,
        selectedMode: false,
        textStyle: { fontSize: 11, color: COLORS.muted },
        pieces: KAPPA_BANDS.map((b) => ({
          ...(b.min !== null ? { gte: b.min } : {}),
          ...(b.max !== null ? { lt: b.max } : {}),
          label: b.label,
          color: b.color,
        })),
      },
      {
        type: "piecewise",
        show: false,
        seriesIndex: 1,
        dimension: 2,
        pieces: [
          { value: 0, color: COLORS.empty },
          { value: 1, color: "#f7f8fa" },
        ],
      },
    ],
    series: [
      {
        name: "Cohen's κ",
        type: "heatmap",
        data: defined,
        itemStyle: { borderColor: "#ffffff", borderWidth: 2, borderRadius: 3 },
        label: {
          show: showLabels,
          fontSize: 11,
          color: COLORS.text,
          formatter: cellText,
          rich: { n: { fontSize: 10, color: COLORS.muted, lineHeight: 14 } },
        },
        emphasis: { itemStyle: { borderColor: COLORS.text, borderWidth: 1 } },
      },
      {
        name: "undefined",
        type: "heatmap",
        data: other,
        itemStyle: { borderColor: "#ffffff", borderWidth: 2, borderRadius: 3 },
        label: {
          show: showLabels,
          fontSize: 11,
          color: COLORS.faint,
          formatter: (p: unknown) => (cellOf(inSeries(list(p)[0], 1))?.diagonal ? "" : "—"),
        },
        emphasis: { disabled: true },
      },
      {
        name: `fewer than ${SMALL_SAMPLE} items`,
        type: "heatmap",
        data: few,
        itemStyle: { color: COLORS.empty, borderColor: "#ffffff", borderWidth: 2, borderRadius: 3 },
        label: {
          show: showLabels,
          fontSize: 11,
          color: COLORS.faint,
          formatter: (p: unknown) => cellText(inSeries(list(p)[0], 2)),
          rich: { n: { fontSize: 10, color: COLORS.faint, lineHeight: 14 } },
        },
        emphasis: { itemStyle: { borderColor: COLORS.text, borderWidth: 1 } },
      },
    ],
  };
}

// ---------------------------------------------------------------- per-label agreement

export function perLabelOption(rows: LabelAgreement[], colors: Record<string, string>): ChartOption {
  const min = agreementAxisMin(rows.map((r) => r.value));
  const colorOf = (r: LabelAgreement) => (isSmallSample(r.items) ? "#c9ced5" : (colors[r.label] ?? COLORS.accent));
  return {
    ...base,
    // Room on the right for "0.812  n = 1,234".
    grid: { left: 8, right: 100, top: 6, bottom: 6 },
    tooltip: {
      ...tooltip,
      trigger: "axis",
      axisPointer: { type: "shadow" },
      formatter: (p: unknown) => {
        const r = rows[list(p)[0]?.dataIndex ?? -1];
        if (!r) return "";
        return (
          title(escapeHtml(r.label)) +
          row("Krippendorff's α (one vs rest)", formatStat(r.value)) +
          row("Items", r.items.toLocaleString("en-US")) +
          (r.value === null
            ? note(`Undefined: ${escapeHtml(r.reason ?? "")}`)
            : isSmallSample(r.items)
              ? note(`Fewer than ${SMALL_SAMPLE} items: greyed, read with care.`)
              : "")
        );
      },
    },
    xAxis: { type: "value", min, max: 1, axisLabel, splitLine },
    yAxis: {
      type: "category",
      data: rows.map((r) => r.label),
      inverse: true,
      axisLabel: { ...axisLabel, color: COLORS.text, overflow: "truncate", width: 110 },
      axisTick: { show: false },
      axisLine,
    },
    series: [
      {
        type: "bar",
        barMaxWidth: 18,
        data: rows.map((r) =>
          r.value === null
            ? {
                value: 0,
                itemStyle: { color: "transparent" },
                label: { formatter: `— ${r.reason ?? ""}`, color: COLORS.faint, fontStyle: "italic" as const, overflow: "truncate" as const, width: 420 },
              }
            : { value: r.value, itemStyle: { color: colorOf(r), borderRadius: [0, 3, 3, 0] } },
        ),
        label: {
          show: true,
          position: "right",
          fontSize: 11,
          color: COLORS.muted,
          formatter: (p: unknown) => {
            const r = rows[list(p)[0]?.dataIndex ?? -1];
            return r ? `${formatStat(r.value)}  ${nText(r.items)}` : "";
          },
        },
      },
    ],
  };
}

// ---------------------------------------------------------------- confusion matrix

const DIAG_SCALE = ["#f1f5fe", "#2f6bed"];
const OFF_SCALE = ["#fdf3f2", "#d93025"];

/**
 * Heat-map data `[x = predicted, y = decided, count, shade]`: diagonal cells shaded by their share
 * of the row, confusions by their share relative to the largest confusion share (so that small
 * confusions stay visible).
 */
export function confusionHeatmapData(c: Confusion): { diagonal: number[][]; off: number[][]; offMax: number } {
  let offMax = 0;
  for (const cell of c.cells) if (cell.row !== cell.col && cell.share !== null) offMax = Math.max(offMax, cell.share);
  offMax = Math.max(offMax, 0.05);
  const diagonal: number[][] = [];
  const off: number[][] = [];
  for (const cell of c.cells) {
    const share = cell.share ?? 0;
    if (cell.row === cell.col) diagonal.push([cell.col, cell.row, cell.count, share]);
    else off.push([cell.col, cell.row, cell.count, Math.min(1, share / offMax)]);
  }
  return { diagonal, off, offMax };
}

/** A confusion cell's text: its count, blank when there is none. */
export function confusionCellText(p: unknown): string {
  const count = (p as { value: number[] }).value[2] ?? 0;
  return count === 0 ? "" : count.toLocaleString("en-US");
}

export function confusionOption(c: Confusion): ChartOption {
  const { diagonal, off } = confusionHeatmapData(c);
  const n = c.labels.length;
  const showLabels = n <= 15;
  // Counts in the cells (empty cells stay blank, so the counts that matter stand out); their
  // colour (dark or white) is set per data item.
  const cellLabel = {
    show: showLabels,
    fontSize: n > 8 ? 10 : 12,
    color: COLORS.text,
    formatter: confusionCellText,
  };
  // Short labels (digits, codes) stay upright; long ones tilt so that they fit.
  const tilt = n > 6 && Math.max(0, ...c.labels.map((l) => l.length)) > 3;
  const withText = (data: number[][], scale: string[]) =>
    data.map((v) => {
      const fill = mixColor(scale[0] ?? COLORS.empty, scale[1] ?? COLORS.empty, v[3] ?? 0);
      return { value: v, label: { color: v[2] === 0 ? COLORS.faint : textOn(fill) } };
    });
  const tip = (p: unknown) => {
    const v = (p as { value: number[] }).value;
    const [col = 0, r = 0, count = 0] = v;
    const rowTotal = c.rowTotals[r] ?? 0;
    const decided = escapeHtml(c.labels[r] ?? "");
    const predicted = escapeHtml(c.labels[col] ?? "");
    return (
      title(r === col ? `${decided}: correct` : `Decided ${decided}, predicted ${predicted}`) +
      row("Items", count.toLocaleString("en-US")) +
      row(`Share of decided ${decided}`, rowTotal > 0 ? formatPercent(count / rowTotal) : "—") +
      note(`${rowTotal.toLocaleString("en-US")} items decided as ${decided}`)
    );
  };
  return {
    ...base,
    grid: { left: 8, right: 12, top: 8, bottom: 8 },
    tooltip: { ...tooltip, trigger: "item", formatter: tip },
    xAxis: {
      type: "category",
      data: c.labels,
      name: "Predicted",
      nameLocation: "middle",
      nameGap: 26,
      nameTextStyle: axisName,
      axisLabel: { ...axisLabel, color: COLORS.text, interval: n > 20 ? "auto" : 0, rotate: tilt ? 30 : 0, overflow: "truncate", width: 80 },
      axisTick: { show: false },
      axisLine: { show: false },
      splitArea: { show: false },
    },
    yAxis: {
      type: "category",
      data: c.labels,
      inverse: true,
      name: "Decided",
      nameLocation: "middle",
      nameGap: 8,
      nameRotate: 90,
      nameTextStyle: axisName,
      axisLabel: { ...axisLabel, color: COLORS.text, interval: n > 20 ? "auto" : 0, overflow: "truncate", width: 90 },
      axisTick: { show: false },
      axisLine: { show: false },
      splitArea: { show: false },
    },
    visualMap: [
      { type: "continuous", show: false, seriesIndex: 0, dimension: 3, min: 0, max: 1, inRange: { color: DIAG_SCALE } },
      { type: "continuous", show: false, seriesIndex: 1, dimension: 3, min: 0, max: 1, inRange: { color: OFF_SCALE } },
    ],
    series: [
      {
        name: "correct",
        type: "heatmap",
        data: withText(diagonal, DIAG_SCALE),
        label: cellLabel,
        itemStyle: { borderColor: "#ffffff", borderWidth: 2, borderRadius: 3 },
        emphasis: { itemStyle: { borderColor: COLORS.text, borderWidth: 1 } },
      },
      {
        name: "confused",
        type: "heatmap",
        data: withText(off, OFF_SCALE),
        label: cellLabel,
        itemStyle: { borderColor: "#ffffff", borderWidth: 2, borderRadius: 3 },
        emphasis: { itemStyle: { borderColor: COLORS.text, borderWidth: 1 } },
      },
    ],
  };
}

// ---------------------------------------------------------------- reliability diagram

export function reliabilityOption(bins: ReliabilityBin[]): ChartOption {
  const tip = (p: unknown) => {
    const b = bins[list(p)[0]?.dataIndex ?? -1];
    if (!b) return "";
    const head = title(`Confidence ${escapeHtml(b.label)}`) + row("Items", b.items.toLocaleString("en-US"));
    if (b.items === 0) return head + note("No predictions in this bin.");
    return (
      head +
      row("Accuracy", formatPercent(b.accuracy), COLORS.accent) +
      row("Mean confidence", formatPercent(b.meanConfidence), COLORS.orange) +
      row("Gap", b.gap === null ? "—" : `${b.gap > 0 ? "+" : b.gap < 0 ? "−" : ""}${(Math.abs(b.gap) * 100).toFixed(1)} pt`) +
      note(b.gap !== null && b.gap < -0.02 ? "Over-confident here." : b.gap !== null && b.gap > 0.02 ? "Under-confident here." : "Well calibrated here.")
    );
  };
  return {
    ...base,
    grid: { left: 8, right: 12, top: 30, bottom: 4 },
    legend: { top: 0, right: 0, itemWidth: 14, itemHeight: 8, textStyle: { fontSize: 11, color: COLORS.muted } },
    tooltip: { ...tooltip, trigger: "axis", axisPointer: { type: "shadow" }, formatter: tip },
    xAxis: {
      type: "category",
      data: bins.map((b) => `${b.label}\nn=${b.items.toLocaleString("en-US")}`),
      name: "Confidence",
      nameLocation: "middle",
      nameGap: 36,
      nameTextStyle: axisName,
      axisLabel: { ...axisLabel, fontSize: 10, interval: 0, lineHeight: 13 },
      axisTick: { show: false },
      axisLine,
    },
    yAxis: {
      type: "value",
      min: 0,
      max: 1,
      name: "Accuracy",
      nameLocation: "middle",
      nameGap: 34,
      nameTextStyle: axisName,
      axisLabel: { ...axisLabel, formatter: (v: number) => `${Math.round(v * 100)}%` },
      splitLine,
    },
    series: [
      {
        name: "Accuracy",
        type: "bar",
        color: COLORS.accent,
        barCategoryGap: "12%",
        data: bins.map((b) => b.accuracy ?? "-"),
        itemStyle: { borderRadius: [3, 3, 0, 0] },
      },
      {
        name: "Mean confidence",
        type: "line",
        color: COLORS.orange,
        data: bins.map((b) => b.meanConfidence ?? "-"),
        symbol: "circle",
        symbolSize: 7,
        lineStyle: { width: 0 },
        z: 3,
      },
      {
        name: "Perfect calibration",
        type: "line",
        color: COLORS.faint,
        data: bins.map((b) => (b.lower + b.upper) / 2),
        symbol: "none",
        silent: true,
        lineStyle: { type: "dashed", width: 1 },
        z: 2,
      },
    ],
  };
}

// ---------------------------------------------------------------- reasons by class

/** Rows a wrapping legend of these names takes in a chart about `width` px wide (estimate). */
export function legendRows(names: string[], width = 560): number {
  let rows = 1;
  let x = 0;
  for (const name of names) {
    const w = 22 + name.length * 6.4 + 10;
    if (x > 0 && x + w > width) {
      rows++;
      x = 0;
    }
    x += w;
  }
  return rows;
}

export function reasonsOption(s: ReasonsStack, descriptions: Record<string, string> = {}): ChartOption {
  const n = s.classes.length;
  const rows = Math.min(4, legendRows(s.reasons));
  return {
    ...base,
    grid: { left: 8, right: 12, top: 16 + rows * 18, bottom: 4 },
    legend: { top: 0, left: 0, itemWidth: 12, itemHeight: 8, itemGap: 10, textStyle: { fontSize: 11, color: COLORS.muted } },
    tooltip: {
      ...tooltip,
      trigger: "axis",
      axisPointer: { type: "shadow" },
      formatter: (p: unknown) => {
        const i = list(p)[0]?.dataIndex ?? -1;
        const cls = s.classes[i];
        if (cls === undefined) return "";
        const lines = s.reasons
          .map((r, k) => ({ r, k, v: s.values[k]?.[i] ?? 0 }))
          .filter((x) => x.v > 0)
          .map((x) => row(escapeHtml(x.r), x.v.toLocaleString("en-US"), PALETTE[x.k % PALETTE.length]));
        const described = s.reasons.filter((r, k) => (s.values[k]?.[i] ?? 0) > 0 && descriptions[r]);
        return (
          title(escapeHtml(cls)) +
          lines.join("") +
          row("Total", (s.classTotals[i] ?? 0).toLocaleString("en-US")) +
          (described.length ? note(described.map((r) => `${escapeHtml(r)}: ${escapeHtml(descriptions[r] ?? "")}`).join("<br>")) : "")
        );
      },
    },
    xAxis: {
      type: "category",
      data: s.classes,
      axisLabel: { ...axisLabel, color: COLORS.text, interval: 0, rotate: n > 6 ? 30 : 0, overflow: "truncate", width: 90 },
      axisTick: { show: false },
      axisLine,
    },
    yAxis: { type: "value", minInterval: 1, axisLabel, splitLine },
    series: s.reasons.map((r, k) => ({
      name: r,
      type: "bar" as const,
      stack: "reasons",
      color: PALETTE[k % PALETTE.length],
      barMaxWidth: 44,
      data: s.values[k] ?? [],
      emphasis: { focus: "series" as const },
    })),
  };
}

// ---------------------------------------------------------------- activity over time

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A bucket's label in UTC: "14:00" (hour; "3 Jan 14:00" where the day changes), "3 Jan" (day), "w/c 3 Jan" (week). */
export function bucketLabel(t: number, bucket: string, prev: number | null): string {
  const d = new Date(t);
  const day = `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
  if (bucket === "hour") {
    const hh = `${String(d.getUTCHours()).padStart(2, "0")}:00`;
    const newDay = prev === null || new Date(prev).getUTCDate() !== d.getUTCDate();
    return newDay ? `${day} ${hh}` : hh;
  }
  return bucket === "week" ? `w/c ${day}` : day;
}

/** Full wording of a bucket for the tooltip: "3 Jan 2026, 14:00–15:00 UTC", "3 Jan 2026 (UTC)", "week of 3 Jan 2026 (UTC)". */
export function bucketTitle(t: number, bucket: string): string {
  const d = new Date(t);
  const day = `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
  if (bucket === "hour") {
    const h = d.getUTCHours();
    const hh = (x: number) => `${String(x % 24).padStart(2, "0")}:00`;
    return `${day}, ${hh(h)}–${hh(h + 1)} UTC`;
  }
  return bucket === "week" ? `Week of ${day} (UTC)` : `${day} (UTC)`;
}

export function activityOption(a: ActivitySeries): ChartOption {
  const labels = a.times.map((t, i) => bucketLabel(t, a.bucket, a.times[i - 1] ?? null));
  const tip = (p: unknown) => {
    const i = list(p)[0]?.dataIndex ?? -1;
    const t = a.times[i];
    if (t === undefined) return "";
    const people = a.series.filter((s) => (s.values[i] ?? 0) > 0);
    return (
      title(escapeHtml(bucketTitle(t, a.bucket))) +
      row("Labels", (a.total[i] ?? 0).toLocaleString("en-US")) +
      people.map((s) => row(escapeHtml(s.name), (s.values[i] ?? 0).toLocaleString("en-US"), PALETTE[a.series.indexOf(s) % PALETTE.length])).join("") +
      row("Decided items so far", (a.decided[i] ?? 0).toLocaleString("en-US"), COLORS.text)
    );
  };
  return {
    ...base,
    grid: { left: 8, right: 8, top: 56, bottom: 4 },
    legend: { top: 0, left: 0, type: "scroll", itemWidth: 14, itemHeight: 8, textStyle: { fontSize: 11, color: COLORS.muted } },
    tooltip: { ...tooltip, trigger: "axis", axisPointer: { type: "shadow" }, formatter: tip },
    xAxis: {
      type: "category",
      data: labels,
      axisLabel: { ...axisLabel, hideOverlap: true },
      axisTick: { alignWithLabel: true },
      axisLine,
    },
    yAxis: [
      {
        type: "value",
        name: `Labels per ${a.bucket}`,
        nameTextStyle: { ...axisName, align: "left" },
        minInterval: 1,
        axisLabel,
        splitLine,
      },
      {
        type: "value",
        name: "Decided (cumulative)",
        nameTextStyle: { ...axisName, align: "right" },
        minInterval: 1,
        min: 0,
        axisLabel,
        splitLine: { show: false },
      },
    ],
    series: [
      ...a.series.map((s, k) => ({
        name: s.name,
        type: "bar" as const,
        stack: "labels",
        color: PALETTE[k % PALETTE.length],
        barMaxWidth: 28,
        data: s.values,
        emphasis: { focus: "series" as const },
      })),
      {
        name: "Decided items",
        type: "line" as const,
        yAxisIndex: 1,
        color: COLORS.text,
        step: "end" as const,
        data: a.decided,
        showSymbol: a.decided.length <= 40,
        symbolSize: 4,
        lineStyle: { width: 2 },
        z: 5,
      },
    ],
  };
}
