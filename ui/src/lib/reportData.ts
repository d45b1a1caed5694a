/**
 * What the dashboard shows of the project report (`report.ts`): reasons for nulls, headline
 * figures, progress, the pairwise kappa matrix, per-label agreement, the confusion matrix,
 * reliability bins and ECE, accuracy estimates, reasons by class, annotators, the agreement
 * history and the activity over time. Pure functions, unit-tested.
 */
import type { Activity } from "../bindings/Activity";
import type { AgreementPoint } from "../bindings/AgreementPoint";
import type { AgreementReport } from "../bindings/AgreementReport";
import type { AnnotatorPace } from "../bindings/AnnotatorPace";
import type { Estimate } from "../bindings/Estimate";
import type { Interval } from "../bindings/Interval";
import type { ModelQuality } from "../bindings/ModelQuality";
import type { PairKappa } from "../bindings/PairKappa";
import type { ProgressSummary } from "../bindings/ProgressSummary";
import type { ProjectReportDto } from "../bindings/ProjectReportDto";
import { count, num, own, type Num } from "./report";

// ---------------------------------------------------------------- sample sizes

/** A statistic over fewer items than this is marked as resting on a small sample. */
export const SMALL_SAMPLE = 10;

/** Whether a statistic over `n` items is marked (greyed, "few items"): one more label can swing it. */
export function isSmallSample(n: number): boolean {
  return n < SMALL_SAMPLE;
}

/** "n = 1,204" */
export function nText(n: number): string {
  return `n = ${n.toLocaleString("en-US")}`;
}

/** What the "few items" mark says. */
export const SMALL_SAMPLE_NOTE = `Fewer than ${SMALL_SAMPLE} items: one more label can change this a lot — read it with care.`;

// ---------------------------------------------------------------- nulls and their reasons

export const NOT_DEFINED = "not defined for this data";

/**
 * Why the statistic at `path` is null: the backend's reason from `undefined`, else what the
 * report's shape implies (weighted kappa and ordinal/interval alpha need numeric labels, …).
 */
export function reasonFor(agreement: AgreementReport, path: string): string {
  const given = own(agreement.undefined, path);
  if (given) return given;
  if (/^krippendorff_alpha\.(ordinal|interval)$/.test(path) || /\.kappa_(linear|quadratic)$/.test(path)) {
    return "only for numeric labels";
  }
  if (/^cohen_kappa\..*\.percent_agreement$/.test(path)) return "the two annotators rated no item in common";
  if (/^per_annotator\./.test(path)) return "no item where the other annotators have a majority label";
  if (path === "percent_agreement" || path === "krippendorff_alpha.nominal") return "no item has two or more ratings";
  return NOT_DEFINED;
}

/** "0.812", "−0.051"; "—" for null. */
export function formatStat(v: Num, digits = 3): string {
  if (v === null || !Number.isFinite(v)) return "—";
  const s = Math.abs(v).toFixed(digits);
  return v < 0 && Number(s) !== 0 ? `−${s}` : s;
}

/** 0.8421 → "84.2%"; "—" for null. */
export function formatPercent(v: Num, digits = 1): string {
  if (v === null || !Number.isFinite(v)) return "—";
  return `${(v * 100).toFixed(digits)}%`;
}

export interface Figure {
  key: "alpha" | "fleiss" | "ac1" | "percent";
  label: string;
  /** What the figure means (tooltip). */
  help: string;
  value: Num;
  /** Why it is null (null when it has a value). */
  reason: string | null;
  /** 95% bootstrap interval, when the backend sent one. */
  interval: Interval | null;
  percent: boolean;
  /** The items it is computed over (the report's rated items). */
  items: number;
}

/** The four headline agreement figures, each with its reason when null. */
export function headlineFigures(a: AgreementReport): Figure[] {
  const fig = (
    key: Figure["key"],
    label: string,
    help: string,
    value: Num,
    path: string,
    iv: Interval | null | undefined,
    percent = false,
  ): Figure => ({
    key,
    label,
    help,
    value,
    reason: value === null ? reasonFor(a, path) : null,
    interval: iv ?? null,
    percent,
    items: a.items,
  });
  return [
    fig(
      "alpha",
      "Krippendorff's α",
      "Nominal alpha over all items with two or more ratings; handles missing ratings. 1 = perfect, 0 = chance.",
      a.krippendorff_alpha.nominal,
      "krippendorff_alpha.nominal",
      a.intervals?.krippendorff_alpha,
    ),
    fig(
      "fleiss",
      "Fleiss' κ",
      "Needs the same number of ratings on every item. 1 = perfect, 0 = chance.",
      a.fleiss_kappa,
      "fleiss_kappa",
      a.intervals?.fleiss_kappa,
    ),
    fig(
      "ac1",
      "Gwet's AC1",
      "Chance-corrected agreement that stays stable when one label dominates.",
      a.gwet_ac1,
      "gwet_ac1",
      a.intervals?.gwet_ac1,
    ),
    fig(
      "percent",
      "Percent agreement",
      "Share of agreeing rating pairs within an item, averaged over items with two or more ratings (not chance-corrected).",
      a.percent_agreement,
      "percent_agreement",
      a.intervals?.percent_agreement,
      true,
    ),
  ];
}

// ---------------------------------------------------------------- progress and throughput

export interface ProgressParts {
  decided: number;
  conflicts: number;
  /** Annotated, waiting for more votes. */
  pending: number;
  /** Not annotated yet. */
  untouched: number;
  total: number;
  /** Share of items annotated, 0..1 (null without items). */
  done: Num;
}

export function progressParts(p: ProgressSummary): ProgressParts {
  const total = Math.max(p.items, p.annotated);
  const other = Math.max(0, p.annotated - p.decided - p.conflicts - p.pending);
  return {
    decided: p.decided,
    conflicts: p.conflicts,
    pending: p.pending + other,
    untouched: Math.max(0, total - p.annotated),
    total,
    done: total > 0 ? p.annotated / total : null,
  };
}

export interface Throughput {
  /** Labels given in the last hour, by everyone. */
  lastHour: number;
  /** Annotators who labeled anything in the last hour. */
  active: number;
  /** Median of the annotators' median seconds per label (null when none was recorded). */
  medianSeconds: Num;
}

/** The median of numbers sorted ascending (the mean of the middle two for an even count); null for none. */
function median(sorted: readonly number[]): number | null {
  const m = sorted.length;
  const upper = sorted[Math.floor(m / 2)];
  if (upper === undefined) return null;
  const lower = m % 2 ? upper : (sorted[m / 2 - 1] ?? upper);
  return (lower + upper) / 2;
}

export function throughput(annotators: AnnotatorPace[]): Throughput {
  const medians = annotators.map((a) => a.median_seconds).filter((s): s is number => s !== null).sort((x, y) => x - y);
  return {
    lastHour: annotators.reduce((s, a) => s + a.last_hour, 0),
    active: annotators.filter((a) => a.last_hour > 0).length,
    medianSeconds: median(medians),
  };
}

// ---------------------------------------------------------------- pairwise kappa matrix

export interface MatrixCell {
  /** Column (x) index. */
  col: number;
  /** Row (y) index. */
  row: number;
  value: Num;
  /** Why `value` is null. */
  reason: string | null;
  items: number;
  percent: Num;
  diagonal: boolean;
}

export interface KappaMatrix {
  names: string[];
  cells: MatrixCell[];
}

/** The annotators of the pairwise table, in name order. */
export function kappaAnnotators(a: AgreementReport): string[] {
  const set = new Set<string>();
  for (const p of a.cohen_kappa) {
    if (p.a) set.add(p.a);
    if (p.b) set.add(p.b);
  }
  return [...set].sort((x, y) => x.localeCompare(y));
}

/** Annotators × annotators (symmetric); the diagonal is marked and carries no value. */
export function kappaMatrix(a: AgreementReport): KappaMatrix {
  const names = kappaAnnotators(a);
  const pairs = new Map<string, PairKappa>();
  for (const p of a.cohen_kappa) {
    pairs.set(`${p.a}\u0000${p.b}`, p);
    pairs.set(`${p.b}\u0000${p.a}`, p);
  }
  const cells: MatrixCell[] = [];
  names.forEach((rowName, row) => {
    names.forEach((colName, col) => {
      if (row === col) {
        cells.push({ col, row, value: null, reason: "the same annotator", items: 0, percent: null, diagonal: true });
        return;
      }
      const p = pairs.get(`${rowName}\u0000${colName}`);
      if (!p) {
        cells.push({ col, row, value: null, reason: "no pair in the report", items: 0, percent: null, diagonal: false });
        return;
      }
      cells.push({
        col,
        row,
        value: p.kappa,
        reason: p.kappa === null ? reasonFor(a, `cohen_kappa.${p.a}/${p.b}.kappa`) : null,
        items: p.items,
        percent: p.percent_agreement,
        diagonal: false,
      });
    });
  });
  return { names, cells };
}

// ---------------------------------------------------------------- per label

export interface LabelAgreement {
  label: string;
  value: Num;
  reason: string | null;
  /** The items it is computed over (every label's α one-vs-rest is over the report's rated items). */
  items: number;
}

/** Per-label alpha in the report's label order (then any other label in the map). */
export function perLabelAgreement(a: AgreementReport): LabelAgreement[] {
  const order = [...a.labels];
  for (const l of Object.keys(a.per_label)) if (!order.includes(l)) order.push(l);
  return order
    .filter((l) => own(a.per_label, l) !== undefined)
    .map((label) => {
      const value = own(a.per_label, label) ?? null;
      return { label, value, reason: value === null ? reasonFor(a, `per_label.${label}`) : null, items: a.items };
    });
}

/**
 * At most `max` labels for the chart: all of them when they fit, else the `max` lowest (the
 * labels annotators agree least on), undefined ones after those; `hidden` = how many were left out.
 */
export function worstLabels(rows: LabelAgreement[], max = 25): { rows: LabelAgreement[]; hidden: number } {
  if (rows.length <= max) return { rows, hidden: 0 };
  const ranked = [...rows].sort((x, y) => (x.value ?? Infinity) - (y.value ?? Infinity) || x.label.localeCompare(y.label));
  return { rows: ranked.slice(0, max), hidden: rows.length - max };
}

// ---------------------------------------------------------------- confusion matrix

export interface ConfusionCell {
  /** Predicted label index (x). */
  col: number;
  /** Decided label index (y). */
  row: number;
  count: number;
  /** Share of the row (count / items decided as this label); null for an empty row. */
  share: Num;
}

export interface Confusion {
  labels: string[];
  cells: ConfusionCell[];
  rowTotals: number[];
  total: number;
  /** The largest count off the diagonal (for the colour scale). */
  maxCount: number;
}

/**
 * The confusion matrix for the heat map. With more than `max` labels only the `max` busiest
 * (decided + predicted items) are kept, in label order; `hidden` says how many were left out
 * (row totals and shares still count every column).
 */
export function confusionData(q: ModelQuality, max = Infinity): Confusion & { hidden: number } {
  const n = q.labels.length;
  const allRowTotals = q.confusion.map((row) => row.reduce((s, x) => s + x, 0));
  let keep = q.labels.map((_, i) => i);
  if (n > max) {
    const colTotals = q.labels.map((_, j) => q.confusion.reduce((s, row) => s + (row[j] ?? 0), 0));
    const busy = (i: number) => (allRowTotals[i] ?? 0) + (colTotals[i] ?? 0);
    keep = keep
      .sort((a, b) => busy(b) - busy(a) || a - b)
      .slice(0, Math.max(0, max))
      .sort((a, b) => a - b);
  }
  const rowTotals = keep.map((i) => allRowTotals[i] ?? 0);
  const cells: ConfusionCell[] = [];
  let maxCount = 0;
  keep.forEach((i, r) =>
    keep.forEach((j, c) => {
      const count = q.confusion[i]?.[j] ?? 0;
      maxCount = Math.max(maxCount, count);
      const rowTotal = rowTotals[r] ?? 0;
      cells.push({ col: c, row: r, count, share: rowTotal > 0 ? count / rowTotal : null });
    }),
  );
  return {
    labels: keep.map((i) => q.labels[i] ?? ""),
    cells,
    rowTotals,
    total: allRowTotals.reduce((s, x) => s + x, 0),
    maxCount,
    hidden: n - keep.length,
  };
}

// ---------------------------------------------------------------- reliability (calibration)

export interface ReliabilityBin {
  /** "0.9–1.0" */
  label: string;
  lower: number;
  upper: number;
  items: number;
  meanConfidence: Num;
  accuracy: Num;
  /** accuracy − mean confidence (negative = over-confident). */
  gap: Num;
}

export function binLabel(lower: number, upper: number): string {
  return `${lower.toFixed(1)}–${upper.toFixed(1)}`;
}

export function reliabilityBins(q: ModelQuality): ReliabilityBin[] {
  return binsForDiagram(q.bins);
}

/** Calibration bins (the report's, or `calibrate`'s before and after) as the diagram draws them. */
export function binsForDiagram(bins: ModelQuality["bins"]): ReliabilityBin[] {
  return bins.map((b) => {
    const has = b.items > 0;
    const acc = has ? b.accuracy : null;
    const conf = has ? b.mean_confidence : null;
    return {
      label: binLabel(b.lower, b.upper),
      lower: b.lower,
      upper: b.upper,
      items: b.items,
      meanConfidence: conf,
      accuracy: acc,
      gap: acc !== null && conf !== null ? acc - conf : null,
    };
  });
}

/** Expected calibration error from the bins: Σ items/total · |accuracy − mean confidence|. */
export function eceFromBins(bins: ReliabilityBin[]): Num {
  let total = 0;
  let sum = 0;
  for (const b of bins) {
    if (b.items <= 0 || b.gap === null) continue;
    total += b.items;
    sum += b.items * Math.abs(b.gap);
  }
  return total > 0 ? sum / total : null;
}

/** The items the calibration figures (ECE, the reliability bins) rest on: the fair sample when there is one. */
export function qualityItems(q: ModelQuality): number {
  return q.calibration_items;
}

/** Which items the calibration figures rest on, in words. */
export function calibrationBasis(q: ModelQuality): string {
  return q.calibration_on === "random_sample"
    ? "over the random sample (queues saved without a threshold)"
    : "over every decided item — no random sample yet, so biased toward the hard items queues chose";
}

/** The report's ECE, else the one the bins give. */
export function reportEce(q: ModelQuality): Num {
  return q.ece ?? eceFromBins(reliabilityBins(q));
}

// ---------------------------------------------------------------- accuracy

export interface AccuracyLine {
  key: "random" | "uncertainty" | "overall";
  title: string;
  note: string;
  estimate: Estimate;
  /** Why the accuracy is null. */
  reason: string | null;
}

export function accuracyLines(q: ModelQuality): AccuracyLine[] {
  const why = (e: Estimate, what: string) => (e.accuracy === null ? `no decided item in ${what} yet` : null);
  return [
    {
      key: "random",
      title: "Random sample",
      note: "Decided items of the run's random queues: the unbiased estimate of the model's accuracy.",
      estimate: q.random_sample,
      reason: why(q.random_sample, "the random queues"),
    },
    {
      key: "uncertainty",
      title: "Uncertainty queues",
      note: "These items were picked because the model was unsure, so it does worse on them than on the rest: not an estimate of its accuracy.",
      estimate: q.uncertainty_queues,
      reason: why(q.uncertainty_queues, "the uncertainty queues"),
    },
    {
      key: "overall",
      title: "All decided items",
      note: "Every decided item the run predicted — a mix of the queues, so also biased.",
      estimate: q.overall,
      reason: why(q.overall, "this run's predictions"),
    },
  ];
}

// ---------------------------------------------------------------- reasons by class

export interface ReasonsStack {
  /** Decided labels (x), by total descending, "(undecided)" last. */
  classes: string[];
  /** Reason codes (one stacked series each), by total descending. */
  reasons: string[];
  /** values[reason][class] */
  values: number[][];
  classTotals: number[];
}

export const UNDECIDED = "(undecided)";

export function reasonsStack(byClass: Record<string, Record<string, number>>): ReasonsStack {
  const classTotal = new Map<string, number>();
  const reasonTotal = new Map<string, number>();
  for (const [cls, reasons] of Object.entries(byClass)) {
    for (const [code, n] of Object.entries(reasons)) {
      classTotal.set(cls, (classTotal.get(cls) ?? 0) + n);
      reasonTotal.set(code, (reasonTotal.get(code) ?? 0) + n);
    }
  }
  const byTotal = (m: Map<string, number>) => (x: string, y: string) => (m.get(y) ?? 0) - (m.get(x) ?? 0) || x.localeCompare(y);
  const classes = [...classTotal.keys()]
    .filter((c) => (classTotal.get(c) ?? 0) > 0)
    .sort((x, y) => (x === UNDECIDED ? 1 : 0) - (y === UNDECIDED ? 1 : 0) || byTotal(classTotal)(x, y));
  const reasons = [...reasonTotal.keys()].filter((r) => (reasonTotal.get(r) ?? 0) > 0).sort(byTotal(reasonTotal));
  const values = reasons.map((r) => classes.map((c) => own(own(byClass, c) ?? {}, r) ?? 0));
  return { classes, reasons, values, classTotals: classes.map((c) => classTotal.get(c) ?? 0) };
}

// ---------------------------------------------------------------- annotators

export interface AnnotatorRow {
  name: string;
  role: string;
  labels: number;
  lastHour: number;
  medianSeconds: Num;
  kappa: Num;
  kappaReason: string | null;
  /** Items the kappa is computed on (where the others had a majority). */
  kappaItems: number;
  percent: Num;
  /** Accuracy against reviewer decisions (items a reviewer's override decided). */
  vsReviewers: Estimate;
}

export function annotatorRows(r: ProjectReportDto): AnnotatorRow[] {
  const a = r.agreement;
  return r.annotators.map((p) => {
    const agr = own(a.per_annotator, p.annotator);
    const kappa = p.kappa_vs_others ?? agr?.kappa ?? null;
    return {
      name: p.annotator,
      role: p.role,
      labels: p.labels,
      lastHour: p.last_hour,
      medianSeconds: p.median_seconds,
      kappa,
      kappaReason:
        kappa !== null
          ? null
          : p.labels === 0
            ? "no labels yet"
            : reasonFor(a, `per_annotator.${p.annotator}.kappa`),
      kappaItems: agr?.items ?? 0,
      percent: agr?.percent_agreement ?? null,
      vsReviewers: p.vs_reviewers,
    };
  });
}

// ---------------------------------------------------------------- agreement history

export interface HistoryPoint {
  /** Milliseconds since the epoch. */
  t: number;
  at: string;
  annotations: number;
  alpha: Num;
  fleiss: Num;
  ac1: Num;
  percent: Num;
}

/** The scopes in the history, "project" first, then in order of appearance. */
export function historyScopes(points: AgreementPoint[]): string[] {
  const out: string[] = [];
  for (const p of points) if (!out.includes(p.scope)) out.push(p.scope);
  return out.sort((x, y) => (x === "project" ? -1 : y === "project" ? 1 : 0));
}

function sameValues(a: HistoryPoint, b: HistoryPoint): boolean {
  return a.annotations === b.annotations && a.alpha === b.alpha && a.fleiss === b.fleiss && a.ac1 === b.ac1 && a.percent === b.percent;
}

/**
 * The points of one scope, by the number of ratings they were recorded at (the core records one
 * every 25 ratings), then by time. Runs of identical consecutive points are reduced to their
 * first and last. Points with an unreadable time are dropped.
 */
export function historySeries(points: AgreementPoint[], scope: string): HistoryPoint[] {
  const all: HistoryPoint[] = [];
  for (const p of points) {
    if (p.scope !== scope) continue;
    const t = Date.parse(p.at);
    if (Number.isNaN(t)) continue;
    all.push({
      t,
      at: p.at,
      annotations: count(p.annotations),
      alpha: num(p.alpha),
      fleiss: num(p.fleiss),
      ac1: num(p.ac1),
      percent: num(p.percentAgreement),
    });
  }
  all.sort((x, y) => x.annotations - y.annotations || x.t - y.t);
  const out: HistoryPoint[] = [];
  for (const [i, p] of all.entries()) {
    const prev = all[i - 1];
    const next = all[i + 1];
    // Drop a point that sits inside a run of identical ones (keep the run's ends).
    if (prev && next && sameValues(prev, p) && sameValues(p, next)) continue;
    out.push(p);
  }
  return out;
}

// ---------------------------------------------------------------- activity over time

export interface ActivitySeries {
  /** "hour" | "day" | "week". */
  bucket: string;
  /** Bucket starts, milliseconds since the epoch. */
  times: number[];
  starts: string[];
  /** Labels per bucket, everyone. */
  total: number[];
  /** Items decided by the end of each bucket (cumulative). */
  decided: number[];
  /** Labels per bucket by annotator, busiest first; beyond `max`, the rest summed as "others". */
  series: { name: string; values: number[] }[];
}

export const OTHERS = "(others)";

/** The activity shaped for the chart; null when there is no event. */
export function activitySeries(a: Activity, max = 8): ActivitySeries | null {
  if (!a.bucket || a.starts.length === 0) return null;
  const n = a.starts.length;
  const times = a.starts.map((s) => Date.parse(s));
  if (times.some((t) => Number.isNaN(t))) return null;
  const sum = (v: number[]) => v.reduce((x, y) => x + y, 0);
  const totals = new Map(Object.entries(a.per_annotator).map(([name, values]) => [name, sum(values)]));
  const total = (name: string) => totals.get(name) ?? 0;
  const people = Object.entries(a.per_annotator)
    .map(([name, values]) => ({ name, values }))
    .filter((p) => total(p.name) > 0)
    .sort((x, y) => total(y.name) - total(x.name) || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  const series = people.length > max ? people.slice(0, max - 1) : people;
  if (people.length > max) {
    const rest = people.slice(max - 1);
    series.push({ name: OTHERS, values: Array.from({ length: n }, (_, i) => sum(rest.map((p) => p.values[i] ?? 0))) });
  }
  return { bucket: a.bucket, times, starts: a.starts, total: a.labels, decided: a.decided, series };
}
