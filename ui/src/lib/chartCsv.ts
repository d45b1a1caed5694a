/**
 * CSV for each dashboard chart, built from the data behind it (not from the picture): RFC 4180
 * (comma separated, CRLF line ends, fields quoted when they hold a comma, quote or line break,
 * quotes doubled), numbers at full precision, null as an empty field.
 */
import type { AgreementPoint } from "../bindings/AgreementPoint";
import type { Activity } from "../bindings/Activity";
import type { AgreementReport } from "../bindings/AgreementReport";
import type { ModelQuality } from "../bindings/ModelQuality";
import type { ProjectReportDto } from "../bindings/ProjectReportDto";
import { own } from "./report";
import {
  annotatorRows,
  confusionData,
  historySeries,
  perLabelAgreement,
  progressParts,
  reasonFor,
  reasonsStack,
  reliabilityBins,
  throughput,
} from "./reportData";

export type CsvValue = string | number | boolean | null | undefined;

export function csvField(v: CsvValue): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  const s = typeof v === "boolean" ? (v ? "true" : "false") : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: string[], rows: CsvValue[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(",")).join("\r\n") + "\r\n";
}

/** Pairwise Cohen's kappa, one row per annotator pair (with the reason for every null kappa). */
export function kappaCsv(a: AgreementReport): string {
  return toCsv(
    ["annotator_a", "annotator_b", "items", "kappa", "kappa_linear", "kappa_quadratic", "percent_agreement", "kappa_undefined_because"],
    a.cohen_kappa.map((p) => [
      p.a,
      p.b,
      p.items,
      p.kappa,
      p.kappa_linear,
      p.kappa_quadratic,
      p.percent_agreement,
      p.kappa === null ? reasonFor(a, `cohen_kappa.${p.a}/${p.b}.kappa`) : null,
    ]),
  );
}

export function perLabelCsv(a: AgreementReport): string {
  return toCsv(
    ["label", "alpha", "undefined_because"],
    perLabelAgreement(a).map((l) => [l.label, l.value, l.reason]),
  );
}

export function historyCsv(points: AgreementPoint[], scope: string): string {
  return toCsv(
    ["at", "scope", "annotations", "krippendorff_alpha", "fleiss_kappa", "gwet_ac1", "percent_agreement"],
    historySeries(points, scope).map((p) => [p.at, scope, p.annotations, p.alpha, p.fleiss, p.ac1, p.percent]),
  );
}

/** The confusion matrix as a table: one row per decided label, one column per predicted label. */
export function confusionCsv(q: ModelQuality): string {
  const c = confusionData(q);
  return toCsv(
    ["decided \\ predicted", ...c.labels, "total"],
    c.labels.map((label, r) => [label, ...(q.confusion[r] ?? []), c.rowTotals[r]]),
  );
}

export function reliabilityCsv(q: ModelQuality): string {
  return toCsv(
    ["bin_lower", "bin_upper", "items", "mean_confidence", "accuracy", "gap"],
    reliabilityBins(q).map((b) => [b.lower, b.upper, b.items, b.meanConfidence, b.accuracy, b.gap]),
  );
}

export function accuracyCsv(q: ModelQuality): string {
  const row = (name: string, e: ModelQuality["overall"], biased: boolean): CsvValue[] => [
    name,
    e.items,
    e.correct,
    e.accuracy,
    e.low,
    e.high,
    biased,
  ];
  return toCsv(
    ["sample", "items", "correct", "accuracy", "wilson95_low", "wilson95_high", "biased"],
    [
      row("random_sample", q.random_sample, false),
      row("uncertainty_queues", q.uncertainty_queues, true),
      row("all_decided", q.overall, true),
    ],
  );
}

/** Reasons by class, wide: one row per decided label, one column per reason code. */
export function reasonsCsv(byClass: ProjectReportDto["reasons_by_class"]): string {
  const s = reasonsStack(byClass);
  return toCsv(
    ["class", ...s.reasons, "total"],
    s.classes.map((cls, i) => [cls, ...s.reasons.map((_, r) => s.values[r]?.[i] ?? 0), s.classTotals[i]]),
  );
}

export function annotatorsCsv(r: ProjectReportDto): string {
  return toCsv(
    [
      "annotator",
      "role",
      "labels",
      "last_hour",
      "median_seconds",
      "kappa_vs_others",
      "kappa_items",
      "percent_agreement",
      "kappa_undefined_because",
      "accuracy_vs_reviewer_decisions",
      "reviewer_decided_items",
      "reviewer_agreed",
      "accuracy_wilson_low",
      "accuracy_wilson_high",
    ],
    annotatorRows(r).map((a) => [
      a.name,
      a.role,
      a.labels,
      a.lastHour,
      a.medianSeconds,
      a.kappa,
      a.kappaItems,
      a.percent,
      a.kappaReason,
      a.vsReviewers.accuracy,
      a.vsReviewers.items,
      a.vsReviewers.correct,
      a.vsReviewers.low,
      a.vsReviewers.high,
    ]),
  );
}

/** Labels per time bucket (everyone and each annotator) and decided items, cumulative. */
export function activityCsv(a: Activity): string {
  const names = Object.keys(a.per_annotator).sort();
  return toCsv(
    ["bucket_start_utc", "bucket", "labels", "decided_cumulative", ...names.map((n) => `labels_${n}`)],
    a.starts.map((start, i) => [
      start,
      a.bucket,
      a.labels[i] ?? 0,
      a.decided[i] ?? 0,
      ...names.map((n) => own(a.per_annotator, n)?.[i] ?? 0),
    ]),
  );
}

/** A file name from a title: "Per-label agreement" → "per-label-agreement". */
export function fileStem(title: string): string {
  const s = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return s || "chart";
}

/** The headline agreement figures (with bootstrap intervals when present, reasons when null). */
export function agreementCsv(a: AgreementReport): string {
  const iv = a.intervals;
  const line = (name: string, v: number | null, path: string, lohi: { low: number; high: number } | null | undefined): CsvValue[] => [
    name,
    v,
    lohi?.low ?? null,
    lohi?.high ?? null,
    v === null ? reasonFor(a, path) : null,
  ];
  return toCsv(
    ["statistic", "value", "ci95_low", "ci95_high", "undefined_because"],
    [
      line("krippendorff_alpha_nominal", a.krippendorff_alpha.nominal, "krippendorff_alpha.nominal", iv?.krippendorff_alpha),
      line("krippendorff_alpha_ordinal", a.krippendorff_alpha.ordinal, "krippendorff_alpha.ordinal", null),
      line("krippendorff_alpha_interval", a.krippendorff_alpha.interval, "krippendorff_alpha.interval", null),
      line("fleiss_kappa", a.fleiss_kappa, "fleiss_kappa", iv?.fleiss_kappa),
      line("gwet_ac1", a.gwet_ac1, "gwet_ac1", iv?.gwet_ac1),
      line("percent_agreement", a.percent_agreement, "percent_agreement", iv?.percent_agreement),
      ["items", a.items, null, null, null],
      ["annotators", a.annotators, null, null, null],
      ["ratings", a.ratings, null, null, null],
    ],
  );
}

/** Progress and throughput, one measure per row. */
export function progressCsv(r: ProjectReportDto): string {
  const p = progressParts(r.progress);
  const t = throughput(r.annotators);
  return toCsv(
    ["measure", "value"],
    [
      ["items", p.total],
      ["annotated", r.progress.annotated],
      ["decided", p.decided],
      ["conflicts", p.conflicts],
      ["waiting_for_votes", p.pending],
      ["not_started", p.untouched],
      ["annotations", r.progress.annotations],
      ["labels_last_hour", t.lastHour],
      ["active_annotators_last_hour", t.active],
      ["median_seconds_per_label", t.medianSeconds],
    ],
  );
}
