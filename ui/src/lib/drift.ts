/**
 * The Drift screen's logic without React: the sides one can compare (dataset versions and
 * finished runs), the pair picked first, the verdict line, number formats, histogram labels and
 * the default queue name.
 */
import type { DatasetInfo } from "../bindings/DatasetInfo";
import type { DriftHistogram } from "../bindings/DriftHistogram";
import type { DriftReportDto } from "../bindings/DriftReportDto";
import type { RunInfo } from "../bindings/RunInfo";
import type { StaleDto } from "../bindings/StaleDto";

export interface SideChoice {
  /** What the command takes: `NAME@VERSION` or a run id. */
  value: string;
  label: string;
  group: "versions" | "runs";
}

/** Every dataset version (newest first per dataset) and every finished run (newest first). */
export function sideChoices(datasets: DatasetInfo[], runs: RunInfo[]): SideChoice[] {
  const versions: SideChoice[] = datasets.flatMap((d) =>
    d.versions.map((v) => ({
      value: `${d.name}@${v.version}`,
      label: `${d.name}@${v.version} · ${v.items.toLocaleString("en-US")} items${v.featureNames.length ? ` · ${v.featureNames.length} features` : ""}`,
      group: "versions" as const,
    })),
  );
  const finished: SideChoice[] = runs
    .filter((r) => r.status === "done")
    .map((r) => ({ value: String(r.run), label: `Run ${r.run} · ${r.model} on ${r.dataset}`, group: "runs" as const }));
  return [...versions, ...finished];
}

/**
 * The pair shown first: the two newest versions of the first dataset that has two (reference
 * the older); else the two newest runs; else nothing.
 */
export function defaultSides(datasets: DatasetInfo[], runs: RunInfo[]): { reference: string; current: string } | null {
  for (const d of datasets) {
    const [newest, previous] = d.versions;
    if (newest && previous) return { reference: `${d.name}@${previous.version}`, current: `${d.name}@${newest.version}` };
  }
  const [latest, before] = runs.filter((r) => r.status === "done");
  if (latest && before) return { reference: String(before.run), current: String(latest.run) };
  return null;
}

/** "3 of 5 columns drifted" (with the dataset verdict), or what was compared instead. */
export function verdictLine(r: DriftReportDto): string {
  if (r.columns.length === 0) return "No feature columns compared: predictions only";
  const n = r.columns.length;
  return `${r.driftedColumns} of ${n} column${n === 1 ? "" : "s"} drifted`;
}

/** A statistic: p-values far below 1e-4 in scientific notation, else four decimals. */
export function formatStatistic(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && Math.abs(x) < 1e-4) return x.toExponential(2);
  return x.toFixed(4);
}

/** A value on an axis: at most 4 significant digits, no trailing zeros. */
export function compactNumber(x: number): string {
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(1);
  return String(Number(x.toPrecision(4)));
}

/** The category labels of a histogram: each value, or each bin's range. */
export function histogramLabels(h: DriftHistogram): string[] {
  if (h.categorical) return h.edges.map(compactNumber);
  return h.reference.map((_, i) => `${compactNumber(h.edges[i] ?? 0)}–${compactNumber(h.edges[i + 1] ?? 0)}`);
}

/** The column shown first: the first drifted one, else the first. */
export function firstColumn(r: DriftReportDto): string | null {
  return (r.columns.find((c) => c.drifted) ?? r.columns[0])?.column ?? null;
}

/** A queue name for the drifted items of `current`. */
export function defaultQueueName(r: DriftReportDto): string {
  return `drift ${r.current.label}`;
}

/** The drift verdict that makes a run's auto-accept stale, in one sentence. */
export function staleText(s: StaleDto): string {
  const what =
    s.columns.length > 0
      ? `drifted columns: ${s.columns.join(", ")}`
      : s.domain_auc !== null
        ? `domain classifier ROC AUC ${s.domain_auc.toFixed(3)}`
        : "no column named";
  return `Drift report ${s.reference} → ${s.current} (${s.at.slice(0, 10)}): ${s.reason}; ${what}.`;
}
