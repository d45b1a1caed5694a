/**
 * The project report (`project_report`, the same JSON as `arbiter report --json`): its TypeScript
 * shape and a tolerant parser (used by ipc.ts). What the dashboard derives from it for its cards
 * and charts is in `reportData.ts` (loaded with the dashboard only).
 *
 * The shape mirrors the Rust structs in `arbiter_core::metrics` (`ProjectReport`,
 * `agreement::Report`, `quality::Quality`); their field names are snake_case (no serde rename).
 * A statistic the data cannot define is `null`; `agreement.undefined` says why, keyed by its path
 * (`fleiss_kappa`, `cohen_kappa.ana/ben.kappa`, `per_label.cat`, `per_annotator.ana.kappa`, …).
 * The parser turns anything that is not a finite number into `null`, so NaN never reaches the UI.
 */
/** A statistic: a finite number, or null when it is undefined for the data. */
export type Num = number | null;

export interface ProgressSummary {
  /** Items in the newest version of every dataset. */
  items: number;
  /** Items with at least one annotation. */
  annotated: number;
  decided: number;
  conflicts: number;
  pending: number;
  /** Label annotations in total. */
  annotations: number;
}

export interface PairKappa {
  a: string;
  b: string;
  /** Items both annotators rated. */
  items: number;
  kappa: Num;
  /** Only when the schema marks the labels ordinal (null otherwise, or undefined for the data). */
  kappa_linear: Num;
  kappa_quadratic: Num;
  percent_agreement: Num;
}

export interface AlphaStats {
  nominal: Num;
  /** Only when the schema marks the labels ordinal. */
  ordinal: Num;
  /** Only when the labels are ordinal and every label is a number. */
  interval: Num;
}

export interface AnnotatorAgreement {
  /** Items where the others had a strict majority. */
  items: number;
  kappa: Num;
  percent_agreement: Num;
}

export interface Interval {
  low: number;
  high: number;
}

/** 95% bootstrap intervals (newer backends; absent or null otherwise). */
export interface AgreementIntervals {
  resamples: number;
  seed: number;
  percent_agreement: Interval | null;
  krippendorff_alpha: Interval | null;
  fleiss_kappa: Interval | null;
  gwet_ac1: Interval | null;
}

/** The scale the agreement was computed on (`ordinal`/`interval` only when the schema says so). */
export type Scale = "nominal" | "ordinal" | "interval";

export interface AgreementReport {
  items: number;
  annotators: number;
  /** In scale order when ordinal. */
  labels: string[];
  scale: Scale;
  ratings: number;
  percent_agreement: Num;
  cohen_kappa: PairKappa[];
  fleiss_kappa: Num;
  krippendorff_alpha: AlphaStats;
  gwet_ac1: Num;
  per_label: Record<string, Num>;
  per_annotator: Record<string, AnnotatorAgreement>;
  /** Why each null is null, by path. */
  undefined: Record<string, string>;
  intervals: AgreementIntervals | null;
}

/** Accuracy over a set of decided items, with its 95% Wilson score interval. */
export interface Estimate {
  items: number;
  correct: number;
  accuracy: Num;
  low: Num;
  high: Num;
}

export interface ClassScores {
  support: number;
  precision: Num;
  recall: Num;
  f1: Num;
}

export interface CalibrationBin {
  lower: number;
  upper: number;
  items: number;
  mean_confidence: Num;
  accuracy: Num;
}

export interface ModelQuality {
  run: number;
  /** Every decided item the run predicted. */
  overall: Estimate;
  /** Decided items of the run's `random` queues only: the unbiased estimate. */
  random_sample: Estimate;
  /** Decided items of the other (uncertainty) queues: biased by construction. */
  uncertainty_queues: Estimate;
  per_class: Record<string, ClassScores>;
  labels: string[];
  /** Row = decided label, column = predicted label, both in `labels` order. */
  confusion: number[][];
  ece: Num;
  bins: CalibrationBin[];
}

export interface AnnotatorPace {
  annotator: string;
  role: string;
  labels: number;
  last_hour: number;
  median_seconds: Num;
  kappa_vs_others: Num;
  /**
   * Accuracy against reviewer decisions: over the items a reviewer's override decided that this
   * annotator labeled, the share whose label equals the decision (95% Wilson interval).
   */
  vs_reviewers: Estimate;
}

/** Labels and decided items over time, from the annotation events' timestamps (UTC buckets). */
export interface Activity {
  /** "hour" | "day" | "week" (chosen from the span); null when there is no event. */
  bucket: string | null;
  /** Each bucket's start (RFC 3339 UTC), oldest first. */
  starts: string[];
  /** Labels given per bucket. */
  labels: number[];
  /** Annotator → labels per bucket. */
  per_annotator: Record<string, number[]>;
  /** Items decided by the end of each bucket (cumulative). */
  decided: number[];
  /** Events whose timestamp could not be read. */
  skipped: number;
}

export interface ProjectReport {
  progress: ProgressSummary;
  agreement: AgreementReport;
  model_quality: ModelQuality | null;
  /** Decided label (or "(undecided)") → reason code → count. */
  reasons_by_class: Record<string, Record<string, number>>;
  annotators: AnnotatorPace[];
  /** Whether the schema marks the labels ordinal. */
  ordinal_labels: boolean;
  activity: Activity;
}

// ---------------------------------------------------------------- parsing

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}

/** A finite number, else null (NaN, ±Infinity, strings and missing values become null). */
export function num(v: unknown): Num {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** A non-negative finite number, else 0. */
export function count(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0;
}

function str(v: unknown, fallback = ""): string {
  return typeof v === "string" ? v : fallback;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

function entries(v: unknown): [string, unknown][] {
  return Object.entries(obj(v));
}

/** Own property lookup (label names such as "constructor" must not hit the prototype). */
export function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

function interval(v: unknown): Interval | null {
  const o = obj(v);
  const low = num(o.low);
  const high = num(o.high);
  return low === null || high === null ? null : { low, high };
}

function parseIntervals(v: unknown): AgreementIntervals | null {
  if (typeof v !== "object" || v === null) return null;
  const o = obj(v);
  return {
    resamples: count(o.resamples),
    seed: count(o.seed),
    percent_agreement: interval(o.percent_agreement),
    krippendorff_alpha: interval(o.krippendorff_alpha),
    fleiss_kappa: interval(o.fleiss_kappa),
    gwet_ac1: interval(o.gwet_ac1),
  };
}

function estimate(v: unknown): Estimate {
  const o = obj(v);
  return { items: count(o.items), correct: count(o.correct), accuracy: num(o.accuracy), low: num(o.low), high: num(o.high) };
}

function parseQuality(v: unknown): ModelQuality | null {
  if (typeof v !== "object" || v === null) return null;
  const o = obj(v);
  const labels = strings(o.labels);
  const rows = Array.isArray(o.confusion) ? o.confusion : [];
  // A square matrix in `labels` order, whatever arrived.
  const confusion = labels.map((_, i) => {
    const row = Array.isArray(rows[i]) ? (rows[i] as unknown[]) : [];
    return labels.map((_, j) => count(row[j]));
  });
  return {
    run: count(o.run),
    overall: estimate(o.overall),
    random_sample: estimate(o.random_sample),
    uncertainty_queues: estimate(o.uncertainty_queues),
    per_class: Object.fromEntries(
      entries(o.per_class).map(([label, s]) => {
        const c = obj(s);
        return [label, { support: count(c.support), precision: num(c.precision), recall: num(c.recall), f1: num(c.f1) }];
      }),
    ),
    labels,
    confusion,
    ece: num(o.ece),
    bins: (Array.isArray(o.bins) ? o.bins : []).map((b) => {
      const x = obj(b);
      return {
        lower: num(x.lower) ?? 0,
        upper: num(x.upper) ?? 0,
        items: count(x.items),
        mean_confidence: num(x.mean_confidence),
        accuracy: num(x.accuracy),
      };
    }),
  };
}

function parseAgreement(v: unknown): AgreementReport {
  const o = obj(v);
  const alpha = obj(o.krippendorff_alpha);
  return {
    items: count(o.items),
    annotators: count(o.annotators),
    labels: strings(o.labels),
    scale: o.scale === "ordinal" || o.scale === "interval" ? o.scale : "nominal",
    ratings: count(o.ratings),
    percent_agreement: num(o.percent_agreement),
    cohen_kappa: (Array.isArray(o.cohen_kappa) ? o.cohen_kappa : []).map((p) => {
      const x = obj(p);
      return {
        a: str(x.a),
        b: str(x.b),
        items: count(x.items),
        kappa: num(x.kappa),
        kappa_linear: num(x.kappa_linear),
        kappa_quadratic: num(x.kappa_quadratic),
        percent_agreement: num(x.percent_agreement),
      };
    }),
    fleiss_kappa: num(o.fleiss_kappa),
    krippendorff_alpha: { nominal: num(alpha.nominal), ordinal: num(alpha.ordinal), interval: num(alpha.interval) },
    gwet_ac1: num(o.gwet_ac1),
    per_label: Object.fromEntries(entries(o.per_label).map(([k, x]) => [k, num(x)])),
    per_annotator: Object.fromEntries(
      entries(o.per_annotator).map(([k, x]) => {
        const a = obj(x);
        return [k, { items: count(a.items), kappa: num(a.kappa), percent_agreement: num(a.percent_agreement) }];
      }),
    ),
    undefined: Object.fromEntries(entries(o.undefined).filter((e): e is [string, string] => typeof e[1] === "string")),
    intervals: parseIntervals(o.intervals),
  };
}

function counts(v: unknown, n: number): number[] {
  const a = Array.isArray(v) ? v : [];
  return Array.from({ length: n }, (_, i) => count(a[i]));
}

function parseActivity(v: unknown): Activity {
  const o = obj(v);
  const starts = strings(o.starts);
  const n = starts.length;
  return {
    bucket: typeof o.bucket === "string" && n > 0 ? o.bucket : null,
    starts,
    labels: counts(o.labels, n),
    per_annotator: Object.fromEntries(entries(o.per_annotator).map(([k, x]) => [k, counts(x, n)])),
    decided: counts(o.decided, n),
    skipped: count(o.skipped),
  };
}

/** Normalises whatever `project_report` returned into a `ProjectReport` (never throws). */
export function parseReport(raw: unknown): ProjectReport {
  const o = obj(raw);
  const p = obj(o.progress);
  return {
    progress: {
      items: count(p.items),
      annotated: count(p.annotated),
      decided: count(p.decided),
      conflicts: count(p.conflicts),
      pending: count(p.pending),
      annotations: count(p.annotations),
    },
    agreement: parseAgreement(o.agreement),
    model_quality: parseQuality(o.model_quality),
    reasons_by_class: Object.fromEntries(
      entries(o.reasons_by_class).map(([cls, reasons]) => [
        cls,
        Object.fromEntries(entries(reasons).map(([code, n]) => [code, count(n)])),
      ]),
    ),
    annotators: (Array.isArray(o.annotators) ? o.annotators : []).map((a) => {
      const x = obj(a);
      return {
        annotator: str(x.annotator),
        role: str(x.role),
        labels: count(x.labels),
        last_hour: count(x.last_hour),
        median_seconds: num(x.median_seconds),
        kappa_vs_others: num(x.kappa_vs_others),
        vs_reviewers: estimate(x.vs_reviewers),
      };
    }),
    ordinal_labels: o.ordinal_labels === true,
    activity: parseActivity(o.activity),
  };
}
