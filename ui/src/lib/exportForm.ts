/** The export form ↔ `ExportRequest`, and the small helpers of the export screen. */
import type { ExportFormat } from "../bindings/ExportFormat";
import type { ExportRequest } from "../bindings/ExportRequest";
import type { RunInfo } from "../bindings/RunInfo";
import type { BuildResult } from "./models";

export type { ExportFormat };

export const EXPORT_FORMATS: { value: ExportFormat; text: string; hint: string }[] = [
  { value: "parquet", text: "Parquet", hint: "One .parquet file; typed columns, compact. Best for pandas, Polars, Spark." },
  { value: "csv", text: "CSV", hint: "One .csv file; opens anywhere." },
  { value: "jsonl", text: "JSON Lines", hint: "One .jsonl file, one JSON object per row." },
  {
    value: "imagefolder",
    text: "Image folder",
    hint:
      "A new folder with one sub-folder per label (final, else given) holding the images, under train/ and validation/ with a split; items without an image or a label are left out and counted.",
  },
  {
    value: "labelstudio",
    text: "Label Studio tasks",
    hint:
      "One .json file Label Studio 1.x imports: each item a task (its image as a local-files URL under the dataset's folder), each person's labels as annotations with the decision marked ground truth, and the chosen run's predictions.",
  },
];

const FILE_EXT: Record<Exclude<ExportFormat, "imagefolder">, string> = {
  parquet: "parquet",
  csv: "csv",
  jsonl: "jsonl",
  labelstudio: "json",
};

export function isExportFormat(v: string): v is ExportFormat {
  return v === "parquet" || v === "csv" || v === "jsonl" || v === "imagefolder" || v === "labelstudio";
}

export const DEFAULT_MIN_AGREEMENT = 1;
export const DEFAULT_VALIDATION_PERCENT = "10";

/**
 * The run the export screen preselects for a dataset version, as the CLI does without `--run`:
 * the newest finished (`done`) run over it — the one started last; "" (none) if there is none.
 */
export function defaultExportRun(runs: RunInfo[], versionId: number | null): string {
  let best: RunInfo | null = null;
  for (const r of runs) if (r.versionId === versionId && r.status === "done" && (!best || r.run > best.run)) best = r;
  return best ? String(best.run) : "";
}

/** "2 without an image, 1 without a label" from an export's `skipped` counts. */
export function skippedText(skipped: Record<string, number>): string {
  const why: Record<string, string> = { no_media: "without an image", no_label: "without a final or given label" };
  return Object.entries(skipped)
    .filter(([, n]) => typeof n === "number" && n > 0)
    .map(([k, n]) => `${n.toLocaleString("en-US")} ${why[k] ?? k}`)
    .join(", ");
}

export interface ExportForm {
  /** Destination file, or folder for imagefolder. */
  out: string;
  format: ExportFormat;
  /** `NAME@VERSION` ("" = the project's only dataset). */
  dataset: string;
  /** Run id ("" = no prediction columns); preselected with {@link defaultExportRun}. */
  run: string;
  onlyDecided: boolean;
  /** Whether the minimum-agreement filter is on (0 is a real threshold: it drops unannotated items). */
  minAgreementOn: boolean;
  /** 0..1 */
  minAgreement: number;
  excludeReasons: string[];
  split: boolean;
  /** Share of each label for validation, in percent (text as typed). */
  validationPercent: string;
  seed: string;
  /** Export even though the agreement target is not met (recorded in the lineage). */
  allowBelowTarget: boolean;
}

export type ExportFormErrors = Partial<Record<keyof ExportForm, string>>;

/**
 * The form the screen starts with: every item, no filter. Nothing is left out by default — one
 * annotator's "bad input" flag must not drop an item the others labeled (the user ticks what to
 * leave out, and sees how many items each tick removes).
 */
export function defaultExportForm(dataset: string, run = ""): ExportForm {
  return {
    out: "",
    format: "parquet",
    dataset,
    run,
    onlyDecided: false,
    minAgreementOn: false,
    minAgreement: DEFAULT_MIN_AGREEMENT,
    excludeReasons: [],
    split: false,
    validationPercent: DEFAULT_VALIDATION_PERCENT,
    seed: "0",
    allowBelowTarget: false,
  };
}

/**
 * Form → `ExportRequest`. For the live preview (`purpose: "preview"`) the destination may still
 * be empty; an export needs it. Invalid numbers are reported per field and nothing is sent.
 */
export function buildExportRequest(
  form: ExportForm,
  purpose: "preview" | "export" = "export",
): BuildResult<ExportRequest, ExportFormErrors> {
  const errors: ExportFormErrors = {};
  const out = form.out.trim();
  if (purpose === "export" && out === "") {
    errors.out = form.format === "imagefolder" ? "Choose a folder to export into" : "Choose where to save the file";
  }
  if (!isExportFormat(form.format)) errors.format = "Choose Parquet, CSV, JSON Lines, an image folder or Label Studio tasks";

  let run: number | null = null;
  if (form.run.trim() !== "") {
    run = /^\d+$/.test(form.run.trim()) ? Number(form.run.trim()) : NaN;
    if (!Number.isSafeInteger(run)) errors.run = "Choose a run";
  }

  let minAgreement: number | null = null;
  if (form.minAgreementOn) {
    if (!Number.isFinite(form.minAgreement) || form.minAgreement < 0 || form.minAgreement > 1) {
      errors.minAgreement = "Between 0% and 100%";
    } else minAgreement = Math.round(form.minAgreement * 1e6) / 1e6;
  }

  let validationShare: number | null = null;
  if (form.split) {
    const text = form.validationPercent.trim().replace(/%$/, "").trim();
    const pct = /^\d+(\.\d+)?$|^\.\d+$/.test(text) ? Number(text) : NaN;
    if (!(pct > 0 && pct < 100)) errors.validationPercent = "A percentage above 0 and below 100";
    else validationShare = Math.round(pct * 1e4) / 1e6;
  }

  // The seed only drives the split: without one it is not checked (and 0 is sent if unusable).
  const seedText = form.seed.trim();
  let seed = /^\d+$/.test(seedText) ? Number(seedText) : NaN;
  if (!Number.isSafeInteger(seed)) {
    if (form.split) errors.seed = "A whole number, 0 or more";
    else seed = 0;
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const excludeReasons: string[] = [];
  for (const r of form.excludeReasons) if (r && !excludeReasons.includes(r)) excludeReasons.push(r);
  return {
    ok: true,
    request: {
      out,
      format: form.format,
      dataset: form.dataset.trim() === "" ? null : form.dataset.trim(),
      run,
      onlyDecided: form.onlyDecided,
      minAgreement,
      excludeReasons,
      validationShare,
      seed,
      allowBelowTarget: form.allowBelowTarget,
    },
  };
}

/**
 * What the live count depends on: the request without the destination (typing a path must not
 * re-count) and with the format reduced to table or image folder (the tables count the same rows;
 * an image folder counts files).
 */
export function previewKey(request: ExportRequest): string {
  const { out: _out, format, allowBelowTarget: _allow, ...rest } = request;
  return JSON.stringify({ ...rest, files: format === "imagefolder" });
}

const KNOWN_EXT = /\.(parquet|csv|jsonl|json)$/i;

/**
 * The destination after switching to `format`: a known extension is swapped for the new one
 * (or dropped for an image folder); anything else is left as the user typed it.
 */
export function pathForFormat(path: string, format: ExportFormat): string {
  if (!KNOWN_EXT.test(path)) return path;
  const stem = path.replace(KNOWN_EXT, "");
  return format === "imagefolder" ? stem : `${stem}.${FILE_EXT[format]}`;
}

/** The preview's label counts, largest first ("(none)" = no final label, last). */
export function labelBreakdown(labels: Record<string, number>): { label: string; count: number; share: number }[] {
  const list = Object.entries(labels).filter(([, n]) => typeof n === "number" && n > 0);
  const total = list.reduce((s, [, n]) => s + n, 0);
  return list
    .sort(([a, x], [b, y]) => (a === "(none)" ? 1 : 0) - (b === "(none)" ? 1 : 0) || y - x || a.localeCompare(b))
    .map(([label, count]) => ({ label, count, share: total > 0 ? count / total : 0 }));
}

/**
 * What a ticked reason or flag leaves out, from the preview's `excluded` counts: "removes 3
 * items", "removes no item"; null when the count is not known (not ticked, or not counted yet).
 */
export function excludedText(excluded: Record<string, number> | undefined, code: string): string | null {
  const n = excluded && Object.prototype.hasOwnProperty.call(excluded, code) ? excluded[code] : undefined;
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0) return null;
  if (n === 0) return "removes no item";
  return `removes ${n.toLocaleString("en-US")} ${n === 1 ? "item" : "items"}`;
}

/** "≥ 67%" */
export function formatThreshold(v: number): string {
  return `≥ ${Math.round(v * 100)}%`;
}
