/**
 * DEV PREVIEW ONLY — the dashboard and export commands of the fake backend (installed by
 * mockTauri.ts; never part of a production build).
 *
 * `project_report` returns a plausible report with some undefined statistics (each with its
 * reason, as the backend sends them); `agreement_history` is a made-up series, a point per 25 ratings
 * (the real command adds one when the report is computed after 25 new ratings). `?empty` gives a report without annotations; `?noquality` one without model quality.
 * Export: paths containing "readonly" fail with an io error; `open_folder` knows only folders
 * under /home/ana/exports.
 */
import type { AgreementPoint } from "../src/bindings/AgreementPoint";
import type { ExportDone } from "../src/bindings/ExportDone";
import type { ExportPreview } from "../src/bindings/ExportPreview";
import type { ExportProgress } from "../src/bindings/ExportProgress";
import type { ExportRequest } from "../src/bindings/ExportRequest";
import type { IpcError } from "../src/bindings/IpcError";
import type { ModelQuality } from "../src/bindings/ModelQuality";
import type { ProjectReportDto } from "../src/bindings/ProjectReportDto";
import type { ReasonDto } from "../src/bindings/ReasonDto";
import type { RunInfo } from "../src/bindings/RunInfo";

type Args = Record<string, unknown> | undefined;

export interface MockContext {
  sleep: (ms: number) => Promise<unknown>;
  err: (code: IpcError["code"], message: string) => IpcError;
  runs: () => RunInfo[];
  datasets: () => { name: string; versions: { id: number; version: number; items: number }[] }[];
}

const params = new URLSearchParams(typeof location === "undefined" ? "" : location.search);
const LABELS = ["cat", "dog", "bird", "frog"];
const REASONS: ReasonDto[] = [
  { code: "model_wrong", description: "The model's prediction is wrong" },
  { code: "ambiguous", description: "The item is ambiguous; more than one label could apply" },
  { code: "bad_input", description: "The input is broken, unreadable or out of scope" },
  { code: "label_missing_from_schema", description: "The right label is not in the schema" },
  { code: "given_label_wrong", description: "The dataset's given label is wrong" },
  { code: "other", description: "Another reason, explained in the note" },
];

function wilson(k: number, n: number): [number | null, number | null] {
  if (n === 0) return [null, null];
  const z = 1.959963984540054;
  const p = k / n;
  const centre = p + (z * z) / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p) + (z * z) / (4 * n)) / n);
  const den = 1 + (z * z) / n;
  return [Math.max(0, (centre - spread) / den), Math.min(1, (centre + spread) / den)];
}

function estimate(items: number, correct: number) {
  const [low, high] = wilson(correct, items);
  return { items, correct, accuracy: items ? correct / items : null, low, high };
}

function quality(run: number): ModelQuality {
  const s = (run % 5) / 100;
  // Row = decided, column = predicted.
  const confusion = [
    [212, 9, 3, 1],
    [14, 187, 5, 2],
    [6, 4, 96, 11],
    [1, 0, 17, 41],
  ];
  const labels = [...LABELS];
  const total = confusion.flat().reduce((a, b) => a + b, 0);
  const per_class = Object.fromEntries(
    labels.map((l, i) => {
      const tp = confusion[i]![i]!;
      const support = confusion[i]!.reduce((a, b) => a + b, 0);
      const predicted = confusion.reduce((a, row) => a + row[i]!, 0);
      const precision = predicted ? tp / predicted : null;
      const recall = support ? tp / support : null;
      const f1 = precision !== null && recall !== null ? (precision + recall ? (2 * precision * recall) / (precision + recall) : 0) : null;
      return [l, { support, precision, recall, f1 }];
    }),
  );
  const counts = [0, 0, 0, 4, 11, 19, 32, 48, 96, total - 210];
  const accs = [null, null, null, 0.25, 0.364, 0.421, 0.5, 0.625, 0.771, 0.912 - s];
  let ece = 0;
  const bins = counts.map((n, b) => {
    const mean = n ? b / 10 + 0.06 - (b === 9 ? 0.02 : 0) : null;
    const acc = n ? accs[b]! : null;
    if (n && mean !== null && acc !== null) ece += (n / total) * Math.abs(acc - mean);
    return { lower: b / 10, upper: (b + 1) / 10, items: n, mean_confidence: mean, accuracy: acc };
  });
  return {
    run,
    overall: estimate(total, 536),
    random_sample: estimate(240, 211 - (run % 3)),
    uncertainty_queues: estimate(132, 81),
    per_class,
    labels,
    confusion,
    ece,
    bins,
    failed: 0,
    failed_decided: 0,
  };
}

/** A week of daily activity ending today (UTC), labels per annotator and decided items. */
function activity(perAnnotator: Record<string, number[]>): ProjectReportDto["activity"] {
  const day = 86_400_000;
  const today = Math.floor(Date.now() / day) * day;
  const starts = Array.from({ length: 7 }, (_, i) => new Date(today - (6 - i) * day).toISOString().replace(".000Z", "Z"));
  const labels = starts.map((_, i) => Object.values(perAnnotator).reduce((a, v) => a + (v[i] ?? 0), 0));
  let sum = 0;
  const decided = labels.map((n) => (sum += Math.round(n * 0.35)));
  return { bucket: "day", starts, labels, per_annotator: perAnnotator, decided, skipped: 0 };
}

function emptyReport(): ProjectReportDto {
  return {
    progress: { items: 0, annotated: 0, decided: 0, conflicts: 0, pending: 0, annotations: 0 },
    agreement: {
      items: 0,
      annotators: 0,
      labels: [],
      scale: "nominal",
      ratings: 0,
      percent_agreement: null,
      cohen_kappa: [],
      fleiss_kappa: null,
      krippendorff_alpha: { nominal: null, ordinal: null, interval: null },
      gwet_ac1: null,
      per_label: {},
      per_annotator: {},
      undefined: {
        percent_agreement: "no item has two or more ratings",
        fleiss_kappa: "no ratings",
        gwet_ac1: "fewer than two labels: AC1 needs at least two categories",
        "krippendorff_alpha.nominal": "no item has two or more ratings",
      },
      intervals: null,
    },
    model_quality: null,
    reasons_by_class: {},
    annotators: [],
    ordinal_labels: false,
    activity: { bucket: null, starts: [], labels: [], per_annotator: {}, decided: [], skipped: 0 },
    target: null,
    schema_version: 0,
    guideline_periods: [],
  };
}

let reportCalls = 0;

function report(run: number | null, runs: RunInfo[]): ProjectReportDto {
  if (params.has("empty")) return emptyReport();
  reportCalls++;
  const drift = Math.min(0.02, reportCalls * 0.004);
  const pairs: [string, string, number, number | null][] = [
    ["ana", "ben", 412, 0.781],
    ["ana", "chen", 388, 0.702],
    ["ana", "dana", 120, 0.612],
    ["ana", "eli", 64, 0.455],
    ["ben", "chen", 401, 0.733],
    ["ben", "dana", 97, 0.574],
    ["ben", "eli", 58, 0.381],
    ["chen", "dana", 111, 0.648],
    ["chen", "eli", 40, -0.052],
    ["dana", "eli", 0, null],
  ];
  const undefinedReasons: Record<string, string> = {
    fleiss_kappa: "unequal numbers of ratings per item (Fleiss' kappa needs the same number for every item)",
    "cohen_kappa.dana/eli.kappa": "the two annotators rated no item in common",
    "per_label.frog": "no variation: every rating has the same value",
    "per_annotator.eli.kappa": "chance disagreement is zero: both annotators used one and the same label",
  };
  const latest = runs.find((r) => r.status === "done");
  const qRun = run ?? latest?.run ?? null;
  return {
    progress: { items: 20_000, annotated: 1_874, decided: 1_512, conflicts: 97, pending: 265, annotations: 4_318 },
    agreement: {
      items: 1_609,
      annotators: 5,
      labels: LABELS,
      scale: "nominal",
      ratings: 4_318,
      percent_agreement: 0.846 + drift,
      cohen_kappa: pairs.map(([a, b, items, kappa]) => ({
        a,
        b,
        items,
        kappa,
        kappa_linear: null,
        kappa_quadratic: null,
        percent_agreement: items ? 0.62 + (kappa ?? 0) * 0.35 : null,
      })),
      fleiss_kappa: null,
      krippendorff_alpha: { nominal: 0.712 + drift, ordinal: null, interval: null },
      gwet_ac1: 0.801 + drift,
      per_label: { cat: 0.774, dog: 0.741, bird: 0.652, frog: null },
      per_annotator: {
        ana: { items: 540, kappa: 0.792, percent_agreement: 0.88 },
        ben: { items: 501, kappa: 0.751, percent_agreement: 0.86 },
        chen: { items: 470, kappa: 0.688, percent_agreement: 0.82 },
        dana: { items: 151, kappa: 0.603, percent_agreement: 0.77 },
        eli: { items: 9, kappa: null, percent_agreement: 0.67 },
      },
      undefined: undefinedReasons,
      intervals: {
        resamples: 1000,
        seed: 0,
        percent_agreement: { low: 0.829 + drift, high: 0.862 + drift },
        krippendorff_alpha: { low: 0.684 + drift, high: 0.739 + drift },
        fleiss_kappa: null,
        gwet_ac1: { low: 0.778 + drift, high: 0.823 + drift },
      },
    },
    model_quality: params.has("noquality") || qRun === null ? null : quality(qRun),
    reasons_by_class: {
      cat: { model_wrong: 31, ambiguous: 6, given_label_wrong: 12 },
      dog: { model_wrong: 24, ambiguous: 9, bad_input: 2 },
      bird: { model_wrong: 17, ambiguous: 14, label_missing_from_schema: 5 },
      frog: { model_wrong: 19, ambiguous: 3 },
      "(undecided)": { bad_input: 11, other: 2, ambiguous: 4 },
    },
    annotators: [
      { annotator: "ana", role: "lead", labels: 1_402, last_hour: 96, median_seconds: 3.4, kappa_vs_others: 0.792, vs_reviewers: estimate(38, 33) },
      { annotator: "ben", role: "annotator", labels: 1_288, last_hour: 121, median_seconds: 2.7, kappa_vs_others: 0.751, vs_reviewers: estimate(41, 30) },
      { annotator: "chen", role: "annotator", labels: 1_017, last_hour: 0, median_seconds: 4.1, kappa_vs_others: 0.688, vs_reviewers: estimate(29, 19) },
      { annotator: "dana", role: "reviewer", labels: 542, last_hour: 38, median_seconds: 6.8, kappa_vs_others: 0.603, vs_reviewers: estimate(0, 0) },
      { annotator: "eli", role: "annotator", labels: 69, last_hour: 12, median_seconds: null, kappa_vs_others: null, vs_reviewers: estimate(4, 2) },
    ],
    ordinal_labels: false,
    activity: activity({
      ana: [180, 240, 210, 0, 260, 290, 222],
      ben: [150, 200, 230, 0, 220, 250, 238],
      chen: [120, 160, 170, 0, 180, 210, 177],
      dana: [60, 80, 90, 0, 100, 110, 102],
      eli: [0, 0, 0, 0, 20, 25, 24],
    }),
    target: {
      target: { statistic: "krippendorff_alpha", min: 0.8, on: "estimate" },
      status: "fail",
      value: 0.712,
      interval: { low: 0.681, high: 0.744 },
      compared: 0.712,
      reason: null,
      summary: "fail: krippendorff_alpha 0.712 (95% interval 0.681–0.744) is below the target krippendorff_alpha ≥ 0.8 (on the estimate)",
    },
    schema_version: 14,
    guideline_periods: [
      { schema_version: 0, since: null, until: "2026-01-03T10:00:00.000Z", changed: [], ratings: 2210, items: 980, krippendorff_alpha: 0.61, percent_agreement: 0.78 },
      { schema_version: 14, since: "2026-01-03T10:00:00.000Z", until: null, changed: ["cat", "lynx"], ratings: 2108, items: 629, krippendorff_alpha: 0.74, percent_agreement: 0.86 },
    ],
  };
}

const history: AgreementPoint[] = (() => {
  if (params.has("empty")) return [];
  const out: AgreementPoint[] = [];
  const now = Date.now();
  for (let i = 0; i < 24; i++) {
    const t = now - (24 - i) * 9.5 * 3_600_000;
    const k = i / 23;
    out.push({
      at: new Date(t).toISOString(),
      scope: "project",
      annotations: 25 * Math.round((200 + k * 4000) / 25),
      alpha: i < 2 ? null : 0.52 + k * 0.19 + Math.sin(i) * 0.015,
      fleiss: i < 6 ? 0.5 + k * 0.2 : null,
      ac1: i < 2 ? null : 0.63 + k * 0.17 + Math.cos(i) * 0.012,
      percentAgreement: 0.74 + k * 0.1,
    });
    if (i % 6 === 3) {
      out.push({
        at: new Date(t + 60_000).toISOString(),
        scope: "dataset version 2",
        annotations: Math.round(100 + k * 900),
        alpha: 0.6 + k * 0.1,
        fleiss: null,
        ac1: 0.7 + k * 0.08,
        percentAgreement: 0.8 + k * 0.05,
      });
    }
  }
  return out;
})();

function resolveVersion(ctx: MockContext, ref: string | null) {
  const list = ctx.datasets();
  if (ref === null) {
    if (list.length === 0) throw ctx.err("invalid_input", "the project has no datasets to export");
    if (list.length > 1) {
      throw ctx.err(
        "invalid_input",
        `the project has ${list.length} datasets; pick one with --dataset (${list.map((d) => d.name).join(", ")})`,
      );
    }
    ref = list[0]!.name;
  }
  const [name, v] = ref.split("@");
  const ds = list.find((d) => d.name === name);
  const version = v === undefined ? ds?.versions[0] : ds?.versions.find((x) => x.version === Number(v));
  if (!ds || !version) throw ctx.err("not_found", `dataset ${ref} not found`);
  return version;
}

/** What an export with these options would write (deterministic, roughly like the backend's). */
function preview(ctx: MockContext, r: ExportRequest): ExportPreview {
  if (!["parquet", "csv", "jsonl", "imagefolder"].includes(r.format)) {
    throw ctx.err("invalid_input", `--format "${r.format}": use parquet, csv, jsonl or imagefolder`);
  }
  const v = resolveVersion(ctx, r.dataset);
  if (r.run !== null) {
    const run = ctx.runs().find((x) => x.run === r.run);
    if (!run) throw ctx.err("not_found", `run ${r.run} not found`);
    if (run.versionId !== v.id) throw ctx.err("invalid_input", `run ${r.run} is over another dataset version`);
  }
  if (r.validationShare !== null && !(r.validationShare >= 0 && r.validationShare <= 1)) {
    throw ctx.err("invalid_input", "--validation-share must be between 0 and 1");
  }
  const annotated = Math.min(v.items, 1_874);
  const decided = Math.round(annotated * 0.807);
  const dropShare: Record<string, number> = { bad_input: 0.012, ambiguous: 0.031, model_wrong: 0.06, other: 0.004 };
  const keep = r.excludeReasons.reduce((k, code) => k * (1 - (dropShare[code] ?? 0.01)), 1);
  let withLabel = decided;
  let without = r.onlyDecided ? 0 : v.items - decided;
  if (r.minAgreement !== null) {
    const share = r.minAgreement <= 0 ? 1 : r.minAgreement <= 1 / 3 ? 0.9 : r.minAgreement <= 0.5 ? 0.78 : 0.7;
    withLabel = Math.round(decided * (r.minAgreement <= 1 / 3 ? 1 : share / 0.9));
    without = r.onlyDecided ? 0 : Math.round((annotated - decided) * (1 - share));
  }
  withLabel = Math.round(withLabel * keep);
  without = Math.round(without * keep);
  const mix = [0.41, 0.33, 0.17, 0.09];
  const labels: Record<string, number> = {};
  let left = withLabel;
  LABELS.forEach((l, i) => {
    const n = i === LABELS.length - 1 ? left : Math.round(withLabel * mix[i]!);
    left -= n;
    if (n > 0) labels[l] = n;
  });
  // What each ticked reason leaves out (counted on its own, as the core does).
  const excluded = Object.fromEntries(r.excludeReasons.map((code) => [code, Math.round(annotated * (dropShare[code] ?? 0.01))]));
  // An image folder holds only labelled items (the mock's items have no given labels).
  if (r.format === "imagefolder")
    return { rows: withLabel, labels, skipped: without > 0 ? { no_label: without } : {}, excluded, target: MOCK_TARGET };
  if (without > 0) labels["(none)"] = without;
  return { rows: withLabel + without, labels, skipped: {}, excluded, target: MOCK_TARGET };
}

/** The agreement target the mock project fails (the Dashboard and the Export screen show it). */
const MOCK_TARGET = {
  target: { statistic: "krippendorff_alpha" as const, min: 0.8, on: "estimate" as const },
  status: "fail" as const,
  value: 0.712,
  interval: { low: 0.681, high: 0.744 },
  compared: 0.712,
  reason: null,
  summary: "fail: krippendorff_alpha 0.712 (95% interval 0.681–0.744) is below the target krippendorff_alpha ≥ 0.8 (on the estimate)",
};

/** Escalated items of the mock project (the Conflicts screen's Escalated tab). */
function mockEscalations() {
  const vote = (annotator: string, label: string) => ({
    annotation: annotator.length,
    annotator,
    label,
    reason: null,
    note: null,
    source: "manual" as const,
    createdAt: "2026-01-03T09:12:00.000Z",
  });
  const decision = (rowid: number, votes: ReturnType<typeof vote>[], status: "conflict" | "decided") => ({
    itemId: `img_${String(rowid).padStart(5, "0")}`,
    rowid,
    status,
    label: status === "decided" ? (votes[0]?.label ?? null) : null,
    rule: status === "decided" ? ("unanimous" as const) : null,
    votes,
    deciders: [],
    decidedAt: null,
    votesNeeded: votes.length,
  });
  return [
    {
      reasons: ["unsure"],
      flags: [{ annotator: "ana", flag: "unsure", note: "cat or lynx? the ears are cut off", at: "2026-01-03T09:12:00.000Z" }],
      decision: decision(12, [vote("ana", "cat")], "decided"),
      previous: null,
    },
    { reasons: ["conflict"], flags: [], decision: decision(31, [vote("ana", "dog"), vote("ben", "fox")], "conflict"), previous: null },
    {
      reasons: ["bad_input"],
      flags: [{ annotator: "ben", flag: "bad_input", note: null, at: "2026-01-03T10:02:00.000Z" }],
      decision: decision(47, [vote("ben", "bird")], "decided"),
      previous: { action: "accept", by: "rev", at: "2026-01-02T10:00:00.000Z", note: null, label: null, to: null },
    },
  ];
}

export function dashboardHandlers(ctx: MockContext): Record<string, (args: Args) => Promise<unknown>> {
  let escalations = mockEscalations();
  return {
    async get_agreement_target() {
      return MOCK_TARGET;
    },
    async set_agreement_target() {
      return MOCK_TARGET;
    },
    async list_escalations() {
      await ctx.sleep(60);
      return escalations;
    },
    async act_on_escalation(args) {
      const r = args?.request as { rowid: number };
      escalations = escalations.filter((e) => e.decision.rowid !== r.rowid);
      return escalations;
    },
    async sent_back_notes() {
      return [];
    },
    async get_guidelines() {
      return {
        schemaVersion: 14,
        retiredReasons: ["other"],
        labels: [
          { name: "cat", guideline: "Domestic cats only; big cats are lynx.", examples: [{ itemId: "img_00001", rowid: 1 }, { itemId: "img_00002", rowid: 2 }] },
          { name: "lynx", guideline: "Tufted ears, short tail.", examples: [] },
        ],
      };
    },
    async list_reasons() {
      await ctx.sleep(40);
      return REASONS;
    },
    async project_report(args) {
      await ctx.sleep(350);
      const run = args?.run === null || args?.run === undefined ? null : Number(args.run);
      if (run !== null && !ctx.runs().some((r) => r.run === run)) throw ctx.err("not_found", `run ${run} not found`);
      return report(run, ctx.runs());
    },
    async agreement_history() {
      await ctx.sleep(60);
      return history.map((p) => ({ ...p }));
    },
    async export_preview(args) {
      await ctx.sleep(120 + Math.random() * 200);
      return preview(ctx, args?.request as ExportRequest);
    },
    async export_would_replace(args) {
      // Paths containing "exists" stand for a file that is already there.
      return String(args?.format) !== "imagefolder" && String(args?.out ?? "").includes("exists");
    },
    async export_dataset(args) {
      const r = args?.request as ExportRequest;
      const channel = args?.onProgress as { onmessage?: (p: ExportProgress) => void } | undefined;
      if (r.out.trim() === "") throw ctx.err("invalid_input", "choose where to export");
      if (exportCancel !== null) throw ctx.err("invalid_input", "an export is already running; wait for it or cancel it");
      const cancel = { requested: false };
      exportCancel = cancel;
      try {
        const p = preview(ctx, r);
        // The real export's stages: a count for items and files, none for the table write.
        const step = async (progress: ExportProgress, ms: number) => {
          channel?.onmessage?.(progress);
          await ctx.sleep(ms);
          if (cancel.requested) throw ctx.err("cancelled", "cancelled; nothing was written");
        };
        await step({ stage: "deciding", done: 0, total: 0 }, 300);
        await step({ stage: "selecting", done: p.rows, total: p.rows }, 200);
        if (r.format === "imagefolder") {
          const files = Math.min(p.rows, 400);
          for (let done = 0; done <= files; done += 20) await step({ stage: "linking", done, total: files }, 60);
        } else {
          await step({ stage: "writing", done: 0, total: 0 }, 900);
        }
        channel?.onmessage?.({ stage: "lineage", done: 0, total: 0 });
        await ctx.sleep(150);
        const out = r.out.trim();
        if (out.includes("readonly")) {
          throw ctx.err("io", `${out}: Permission denied (os error 13)`);
        }
        const folderExport = r.format === "imagefolder";
        const done: ExportDone = {
          out,
          lineage: folderExport ? `${out}/lineage.json` : `${out}.lineage.json`,
          folder: folderExport ? out : out.replace(/\/[^/]*$/, "") || "/",
          rows: folderExport ? Math.max(0, p.rows - 3) : p.rows,
          labels: p.labels,
          skipped: folderExport && p.rows >= 3 ? { no_media: 2, no_label: 1 } : {},
          run: r.run,
          targetExport: null,
        };
        return done;
      } finally {
        exportCancel = null;
      }
    },
    async cancel_export() {
      if (exportCancel === null) return false;
      exportCancel.requested = true;
      return true;
    },
    async pick_export_path(args) {
      await ctx.sleep(300);
      const format = String(args?.format ?? "parquet");
      return format === "imagefolder" ? "/home/ana/exports/pets-review-images" : `/home/ana/exports/pets-review.${format}`;
    },
    async open_folder(args) {
      await ctx.sleep(50);
      const path = String(args?.path ?? "");
      if (!path.startsWith("/home/ana/exports")) throw ctx.err("not_found", `${path}: not a folder`);
      return null;
    },
  };
}

/** The running mock export's cancel request, if one runs. */
let exportCancel: { requested: boolean } | null = null;
