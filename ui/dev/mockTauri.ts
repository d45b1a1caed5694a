/**
 * DEV PREVIEW ONLY — a fake `@tauri-apps/api/core` serving made-up data, so the UI can be looked
 * at in a plain browser (`npm run dev:mock`, i.e. ARBITER_MOCK=1 vite). vite.config.ts aliases it
 * in for `vite serve` with ARBITER_MOCK=1 only; it is never part of a production build.
 *
 * URL switches: `?start` starts on the start screen; `?empty` opens a project without datasets;
 * `?slow` makes every call slow; `?fail=<command>` makes that command fail with an io error. Import sources containing "bad" fail, "same" come back unchanged.
 *
 * Models and runs: three fake models and three runs (one of them over the 1,000,000-item version).
 * `start_run` takes ~3 s whatever the size and can be cancelled and resumed; device "auto" falls
 * back to CPU with a notice, "cuda" fails. Model files containing "bad" fail to load, labels files
 * containing "bad" have the wrong class count, files with "tabular" give a tabular model.
 * `?noruntime` makes add_model and start_run fail with code "runtime" (ONNX Runtime missing).
 *
 * Review workflow (dev/mockReview.ts): annotators ana, bo (annotators), chen (reviewer), dana
 * (lead); three queues with claims; a few conflicts. `?flaky` fails every 4th `annotate`.
 */
import type { DatasetInfo } from "../src/bindings/DatasetInfo";
import type { DatasetVersionInfo } from "../src/bindings/DatasetVersionInfo";
import type { ImportProgress } from "../src/bindings/ImportProgress";
import type { ImportRequest } from "../src/bindings/ImportRequest";
import type { ImportSummary } from "../src/bindings/ImportSummary";
import type { IpcError } from "../src/bindings/IpcError";
import type { ItemDetail } from "../src/bindings/ItemDetail";
import type { ItemPage } from "../src/bindings/ItemPage";
import type { AddModelRequest } from "../src/bindings/AddModelRequest";
import type { ItemPrediction } from "../src/bindings/ItemPrediction";
import type { ItemQuery } from "../src/bindings/ItemQuery";
import type { ItemSummary } from "../src/bindings/ItemSummary";
import type { LabelCount } from "../src/bindings/LabelCount";
import type { ModelDto } from "../src/bindings/ModelDto";
import type { PreprocessInfo } from "../src/bindings/PreprocessInfo";
import type { ProjectInfo } from "../src/bindings/ProjectInfo";
import type { RecentProject } from "../src/bindings/RecentProject";
import type { RunInfo } from "../src/bindings/RunInfo";
import type { RunProgress } from "../src/bindings/RunProgress";
import type { RunRequest } from "../src/bindings/RunRequest";
import type { RunStatus } from "../src/bindings/RunStatus";

const params = new URLSearchParams(typeof location === "undefined" ? "" : location.search);
const SLOW = params.has("slow") ? 8 : 1;

/** The mock stands in for the desktop app, so `ipc.ts` picks its Tauri transport. */
export function isTauri(): boolean {
  return true;
}

export class Channel<T> {
  id = Math.floor(Math.random() * 1e9);
  onmessage: (message: T) => void;
  constructor(onmessage?: (message: T) => void) {
    this.onmessage = onmessage ?? (() => {});
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms * SLOW));

// ---------------------------------------------------------------- data

const LABELS = [
  { name: "cat", hotkey: "1", color: "#e5484d", guideline: "Domestic cats only", position: 0 },
  { name: "dog", hotkey: "2", color: "#3e63dd", guideline: null, position: 1 },
  { name: "bird", hotkey: "3", color: "#30a46c", guideline: null, position: 2 },
  { name: "frog", hotkey: "4", color: "#f5a524", guideline: null, position: 3 },
];

const PROJECT: ProjectInfo = {
  path: "/home/ana/arbiter/pets-review",
  name: "pets-review",
  labels: LABELS,
  datasets: 3,
  items: 1_000_517,
};

const now = Date.now();
const iso = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();

const RECENT: RecentProject[] = [
  { path: PROJECT.path, name: PROJECT.name, openedAt: iso(12), exists: true },
  { path: "/home/ana/arbiter/mnist-audit", name: "mnist-audit", openedAt: iso(60 * 26), exists: true },
  { path: "/mnt/usb/old-survey-2023", name: "old-survey-2023", openedAt: iso(60 * 24 * 9), exists: false },
  { path: "/home/ana/work/very/deeply/nested/folder/structure/radiology-second-opinion", name: "radiology-second-opinion", openedAt: iso(60 * 24 * 50), exists: true },
];

type Kind = "digits" | "photos" | "mixed";
interface MockVersion extends DatasetVersionInfo {
  kind: Kind;
  prefix: string;
}

function version(id: number, v: number, items: number, kind: Kind, prefix: string, minutesAgo: number): MockVersion {
  const labeled = items - countFor(items, null);
  return {
    id,
    version: v,
    contentHash: `b3${id.toString(16).padStart(6, "0")}c0ffee${v}`,
    items,
    labeled,
    createdAt: iso(minutesAgo),
    featureNames: kind === "digits" ? ["mean", "std", "score_cat", "score_dog"] : ["brightness", "score"],
    kind,
    prefix,
  };
}

// label of item i: a fixed pattern of period 10 (null = unlabeled)
const PATTERN: (string | null)[] = ["cat", "dog", "bird", "cat", null, "dog", "frog", "cat", null, "bird"];

function positions(label: string | null): number[] {
  const out: number[] = [];
  PATTERN.forEach((l, k) => l === label && out.push(k));
  return out;
}

function countFor(n: number, label: string | null): number {
  const ks = positions(label);
  return Math.floor(n / 10) * ks.length + ks.filter((k) => k < n % 10).length;
}

let datasets: { id: number; name: string; source: string; versions: MockVersion[] }[] = params.has("empty")
  ? []
  : [
      {
        id: 1,
        name: "digits-8x8",
        source: "/data/digits/digits.parquet",
        versions: [version(12, 2, 1_000_000, "digits", "dig", 90), version(11, 1, 999_000, "digits", "dig", 60 * 30)],
      },
      {
        id: 2,
        name: "street-photos",
        source: "/data/street/photos.csv",
        versions: [version(21, 1, 480, "photos", "street", 60 * 5)],
      },
      {
        id: 3,
        name: "edge-cases",
        source: "/data/edge/edge_cases_with_a_really_long_file_name.jsonl",
        versions: [
          version(33, 3, 37, "mixed", "edge", 20),
          version(32, 2, 35, "mixed", "edge", 60 * 24 * 2),
          version(31, 1, 30, "mixed", "edge", 60 * 24 * 7),
        ],
      },
    ];

let project: ProjectInfo | null = params.has("start") ? null : PROJECT;

function findVersion(id: number): MockVersion {
  for (const ds of datasets) for (const v of ds.versions) if (v.id === id) return v;
  throw err("not_found", `dataset version ${id} not found`);
}

function err(code: IpcError["code"], message: string): IpcError {
  return { code, message };
}

const ROW_BASE = 10_000_000;

function itemAt(v: MockVersion, i: number, run: MockRun | null = null): ItemSummary {
  const label = PATTERN[i % 10] ?? null;
  const pred = run ? predictionOf(run, i) : null;
  return {
    rowid: v.id * ROW_BASE + i + 1,
    id: `${v.prefix}_${String(i).padStart(v.items > 99_999 ? 7 : 4, "0")}`,
    label,
    hasMedia: i % 97 !== 13,
    predicted: pred && pred.probs ? CLASSES[pred.best]! : null,
    confidence: pred && pred.probs ? pred.probs[pred.best]! : null,
    review: null,
    finalLabel: null,
    flagged: false,
  };
}

function decodeRowid(rowid: number): { v: MockVersion; i: number } {
  const v = findVersion(Math.floor(rowid / ROW_BASE));
  const i = (rowid % ROW_BASE) - 1;
  if (i < 0 || i >= v.items) throw err("not_found", `item ${rowid} not found`);
  return { v, i };
}

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) % 100_000) / 100_000;
  };
}

function sizeOf(v: MockVersion, i: number): [number, number] {
  if (v.kind === "digits") return [8, 8];
  if (v.kind === "photos") return [640, 427];
  const sizes: [number, number][] = [[8, 8], [1, 1], [3000, 24], [24, 900], [28, 28], [640, 480], [2, 3]];
  return sizes[i % sizes.length] as [number, number];
}

// ---------------------------------------------------------------- models and runs

const CLASSES = ["cat", "dog", "bird", "frog"];
const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];
const f32 = (x: number) => Math.fround(x);

function imagePre(over: Partial<PreprocessInfo> = {}): PreprocessInfo {
  return {
    kind: "image",
    input: "input",
    width: 224,
    height: 224,
    layout: "nchw",
    color: "rgb",
    dtype: "float32",
    scale: f32(1 / 255),
    mean: IMAGENET_MEAN.map(f32),
    std: IMAGENET_STD.map(f32),
    features: null,
    ...over,
  };
}

function fakeSha(text: string): string {
  let out = "";
  for (let chunk = 0; out.length < 64; chunk++) {
    let h = (2166136261 ^ chunk) >>> 0;
    for (let k = 0; k < text.length; k++) h = Math.imul(h ^ text.charCodeAt(k), 16777619) >>> 0;
    out += h.toString(16).padStart(8, "0");
  }
  return out.slice(0, 64);
}

function imageModel(id: number, name: string, version: number, file: string, pre: PreprocessInfo, minutesAgo: number): ModelDto {
  const w = pre.width ?? 224;
  const h = pre.height ?? 224;
  const channels = pre.color === "gray" ? 1 : 3;
  return {
    id,
    name,
    version,
    sha256: fakeSha(file),
    kind: "image",
    inputs: [{ name: "input", dtype: "float32", shape: pre.layout === "nhwc" ? [-1, h, w, channels] : [-1, channels, h, w] }],
    outputs: [{ name: "logits", dtype: "float32", shape: [-1, CLASSES.length] }],
    classes: CLASSES,
    classesSource: "labels_file",
    preprocess: pre,
    outputName: "logits",
    outputKind: "logits",
    createdAt: iso(minutesAgo),
  };
}

const TABULAR_MODEL: ModelDto = {
  id: 3,
  name: "digits-logreg",
  version: 1,
  sha256: fakeSha("/home/ana/models/digits-logreg.onnx"),
  kind: "tabular",
  inputs: [{ name: "float_input", dtype: "float32", shape: [-1, 4] }],
  outputs: [
    { name: "output_label", dtype: "int64", shape: [-1] },
    { name: "output_probability", dtype: "sequence<map<int64,float32>>", shape: [-1] },
  ],
  classes: CLASSES,
  classesSource: "project_schema",
  preprocess: {
    kind: "tabular",
    input: "float_input",
    width: null,
    height: null,
    layout: null,
    color: null,
    dtype: "float32",
    scale: null,
    mean: null,
    std: null,
    features: 4,
  },
  outputName: "output_probability",
  outputKind: "zipmap",
  createdAt: iso(60 * 24 * 3),
};

const models: ModelDto[] = params.has("empty")
  ? []
  : [
      TABULAR_MODEL,
      imageModel(2, "pets-resnet18", 2, "/home/ana/models/pets-resnet18.onnx", imagePre(), 60 * 3),
      imageModel(1, "pets-resnet18", 1, "/home/ana/models/pets-resnet18.onnx", imagePre({ mean: [0, 0, 0], std: [1, 1, 1] }), 60 * 30),
    ];

function sortModels() {
  models.sort((a, b) => (a.name === b.name ? b.version - a.version : a.name.localeCompare(b.name)));
}
sortModels();

const ref = (m: ModelDto) => `${m.name}@${m.version}`;

interface MockRun extends RunInfo {
  modelId: number;
}

function findVersionByRef(text: string): { ds: (typeof datasets)[number]; v: MockVersion } {
  const [name, ver] = text.split("@");
  const ds = datasets.find((d) => d.name === name);
  const v = ver === undefined ? ds?.versions[0] : ds?.versions.find((x) => String(x.version) === ver);
  if (!ds || !v) throw err("not_found", `dataset ${JSON.stringify(text)} not found (see \`arbiter dataset list\`)`);
  return { ds, v };
}

function findModelByRef(text: string): ModelDto {
  const [name, ver] = text.split("@");
  const m = models.find((x) => x.name === name && (ver === undefined || String(x.version) === ver));
  if (!m) throw err("not_found", `model ${JSON.stringify(text)} not found (see \`arbiter model list\`)`);
  return m;
}

function failedUpTo(n: number): number {
  // items without media (i % 97 === 13) fail in image runs
  return Math.floor(n / 97) + (n % 97 > 13 ? 1 : 0);
}

function mockRun(run: number, modelId: number, versionId: number, status: RunStatus, items: number, over: Partial<RunInfo> = {}): MockRun {
  const m = models.find((x) => x.id === modelId) ?? TABULAR_MODEL;
  const v = findVersion(versionId);
  const ds = datasets.find((d) => d.versions.includes(v))!;
  const seconds = over.seconds ?? Math.max(0.5, items / 2400);
  return {
    run,
    modelId,
    model: ref(m),
    dataset: `${ds.name}@${v.version}`,
    versionId,
    status,
    items,
    failed: m.kind === "image" ? failedUpTo(items) : 0,
    provider: "CPUExecutionProvider",
    requestedDevice: "auto",
    notice: null,
    seconds,
    itemsPerSecond: seconds > 0 ? items / seconds : 0,
    ...over,
  };
}

const runs: MockRun[] = params.has("empty")
  ? []
  : [
      mockRun(3, 2, 12, "done", 1_000_000, { provider: "CUDAExecutionProvider", requestedDevice: "cuda", seconds: 812.4 }),
      mockRun(2, 2, 33, "cancelled", 20),
      mockRun(1, 1, 21, "done", 480, {
        notice: "CUDA is not available (libcublasLt.so.12: cannot open shared object file: No such file or directory); running on CPU",
      }),
    ];

function findRun(id: number): MockRun {
  const r = runs.find((x) => x.run === id);
  if (!r) throw err("not_found", `run ${id} not found (see \`arbiter runs\`)`);
  return r;
}

/** Deterministic 0..1 hash of two integers. */
function hash01(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  h = Math.imul(h, 0x297a2d39);
  h ^= h >>> 15;
  return (h >>> 0) / 4294967296;
}

interface MockPrediction {
  best: number;
  probs: number[] | null;
  error: string | null;
}

/** Item i's prediction in `run`, or null when the run has not reached it. */
function predictionOf(run: MockRun, i: number): MockPrediction | null {
  if (i >= run.items) return null;
  const model = models.find((m) => m.id === run.modelId);
  if (model?.kind === "image" && i % 97 === 13) {
    return { best: -1, probs: null, error: `no image for this item (path column is empty)` };
  }
  const label = PATTERN[i % 10] ?? null;
  const seed = run.modelId * 7 + 1;
  const agree = hash01(i, seed) < 0.8;
  const target = label !== null && agree ? CLASSES.indexOf(label) : Math.floor(hash01(i, seed + 1) * CLASSES.length);
  const strength = 0.3 + 5 * hash01(i, seed + 2);
  const logits = CLASSES.map((_, c) => hash01(i * 4 + c, seed + 3) * 1.5 + (c === target ? strength : 0));
  const max = Math.max(...logits);
  const exps = logits.map((x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  const probs = exps.map((e) => f32(e / sum));
  let best = 0;
  for (let c = 1; c < probs.length; c++) if (probs[c]! > probs[best]!) best = c;
  return { best, probs, error: null };
}

// Listings with a run's predictions (filter by predicted class, sort by confidence), cached.
const listings = new Map<string, Int32Array>();

function runListing(v: MockVersion, run: MockRun, q: ItemQuery): Int32Array {
  const key = `${v.id}:${run.run}:${run.items}:${q.label}:${q.predicted}:${q.sort}`;
  const hit = listings.get(key);
  if (hit) return hit;
  const lab = q.label === null ? undefined : q.label === "" ? null : q.label;
  const predIndex = q.predicted === null ? -1 : CLASSES.indexOf(q.predicted);
  const idx: number[] = [];
  const conf = new Float32Array(v.items);
  for (let i = 0; i < v.items; i++) {
    if (lab !== undefined && (PATTERN[i % 10] ?? null) !== lab) continue;
    const p = predictionOf(run, i);
    const c = p && p.probs ? p.probs[p.best]! : NaN;
    if (q.predicted !== null && (!p || !p.probs || p.best !== predIndex)) continue;
    conf[i] = c;
    idx.push(i);
  }
  const out = Int32Array.from(idx);
  if (q.sort !== "source") {
    const dir = q.sort === "confidence_asc" ? 1 : -1;
    out.sort((a, b) => {
      const ca = conf[a]!;
      const cb = conf[b]!;
      const na = Number.isNaN(ca);
      const nb = Number.isNaN(cb);
      if (na || nb) return na === nb ? a - b : na ? 1 : -1; // no prediction last, like the backend
      return ca === cb ? a - b : (ca - cb) * dir;
    });
  }
  if (listings.size > 12) listings.clear();
  listings.set(key, out);
  return out;
}

let runCancel = false;
let runActive = false;

// ---------------------------------------------------------------- images

const imageCache = new Map<string, string>();

function drawImage(v: MockVersion, i: number, thumb: boolean): string {
  const [w0, h0] = sizeOf(v, i);
  const scale = thumb ? Math.min(1, 128 / Math.max(w0, h0)) : 1;
  const w = Math.max(1, Math.round(w0 * scale));
  const h = Math.max(1, Math.round(h0 * scale));
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d");
  if (!ctx) return "";
  const r = rng(v.id * 7919 + i * 104_729 + 17);
  if (w0 <= 64 && h0 <= 64) {
    // pixel art: a symmetric "sprite"
    const hue = Math.floor(r() * 360);
    const img = ctx.createImageData(w, h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < Math.ceil(w / 2); x++) {
        const on = r() > 0.45;
        const light = on ? 35 + r() * 40 : 94;
        const [cr, cg, cb] = hsl(hue + (on ? r() * 40 : 0), on ? 65 : 10, light);
        for (const xx of [x, w - 1 - x]) {
          const o = (y * w + xx) * 4;
          img.data[o] = cr;
          img.data[o + 1] = cg;
          img.data[o + 2] = cb;
          img.data[o + 3] = 255;
        }
      }
    }
    ctx.putImageData(img, 0, 0);
  } else {
    const hue = Math.floor(r() * 360);
    const g = ctx.createLinearGradient(0, 0, w, h);
    g.addColorStop(0, `hsl(${hue} 45% 72%)`);
    g.addColorStop(1, `hsl(${(hue + 60) % 360} 40% 38%)`);
    ctx.fillStyle = g;
    ctx.fillRect(0, 0, w, h);
    for (let k = 0; k < 6; k++) {
      ctx.fillStyle = `hsla(${(hue + r() * 120) % 360} 60% ${30 + r() * 50}% / 0.75)`;
      ctx.beginPath();
      ctx.arc(r() * w, r() * h, (0.05 + r() * 0.2) * Math.max(w, h), 0, Math.PI * 2);
      ctx.fill();
    }
  }
  return canvas.toDataURL("image/png");
}

function hsl(h: number, s: number, l: number): [number, number, number] {
  s /= 100;
  l /= 100;
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return [Math.round(f(0) * 255), Math.round(f(8) * 255), Math.round(f(4) * 255)];
}

export function convertFileSrc(filePath: string, protocol = "asset"): string {
  const key = `${protocol}:${filePath}`;
  const hit = imageCache.get(key);
  if (hit) return hit;
  let url = "data:,";
  try {
    const { v, i } = decodeRowid(Number(filePath));
    url = drawImage(v, i, protocol === "thumb");
  } catch {
    /* unknown rowid: broken image, like the real 404 */
  }
  if (imageCache.size > 4000) imageCache.clear();
  imageCache.set(key, url);
  return url;
}

// ---------------------------------------------------------------- commands

type Args = Record<string, unknown> | undefined;

const handlers: Record<string, (args: Args) => Promise<unknown>> = {
  async recent_projects() {
    await sleep(40);
    return RECENT;
  },
  async current_project() {
    await sleep(30);
    return project;
  },
  async open_project(args) {
    await sleep(150);
    const path = String(args?.path);
    if (path.includes("locked")) throw err("project_locked", `project at ${path} is locked by another Arbiter process (pid 4242)`);
    project = { ...PROJECT, path, name: path.split("/").pop() || PROJECT.name };
    return project;
  },
  async create_project(args) {
    await sleep(200);
    const path = String(args?.path);
    const labels = (args?.labels as string[]) ?? [];
    if (path.includes("exists")) throw err("invalid_input", `${path} already contains an Arbiter project`);
    datasets = [];
    project = {
      path,
      name: path.split("/").pop() || "project",
      labels: labels.map((name, position) => ({ name, hotkey: null, color: LABELS[position % 4]!.color, guideline: null, position })),
      datasets: 0,
      items: 0,
    };
    return project;
  },
  async close_project() {
    await sleep(20);
    project = null;
    return null;
  },
  async pick_folder() {
    await sleep(300);
    return "/home/ana/arbiter/new-project";
  },
  async pick_file(args) {
    await sleep(300);
    switch (args?.kind) {
      case "model":
        return "/home/ana/models/pets-resnet18.onnx";
      case "labels":
        return "/home/ana/models/pets-labels.txt";
      default:
        return "/home/ana/data/cifar-sample.csv";
    }
  },
  async list_datasets() {
    await sleep(60);
    return datasets.map(({ id, name, source, versions }): DatasetInfo => ({
      id,
      name,
      source,
      versions: versions.map(({ kind: _k, prefix: _p, ...rest }) => rest),
    }));
  },
  async label_counts(args) {
    await sleep(80);
    const v = findVersion(Number(args?.versionId));
    const out: LabelCount[] = [null, "cat", "dog", "bird", "frog"].map((label) => ({
      label,
      count: countFor(v.items, label),
    }));
    return out.filter((c) => c.count > 0);
  },
  async list_items(args) {
    const q = args?.query as ItemQuery;
    await sleep(60 + Math.random() * 120);
    const v = findVersion(q.versionId);
    if (q.offset < 0 || q.limit <= 0 || q.limit > 10_000) throw err("invalid_input", "bad offset/limit");
    if (q.run === null && (q.predicted !== null || q.sort !== "source")) {
      throw err("invalid_input", "sorting by confidence or filtering by prediction needs a run");
    }
    const run = q.run === null ? null : findRun(q.run);
    if (run && run.versionId !== v.id) throw err("invalid_input", `run ${run.run} is over ${run.dataset}, not this dataset version`);
    const items: ItemSummary[] = [];
    if (run && (q.predicted !== null || q.sort !== "source")) {
      const listing = runListing(v, run, q);
      for (let j = q.offset; j < Math.min(listing.length, q.offset + q.limit); j++) items.push(itemAt(v, listing[j]!, run));
      return { total: listing.length, offset: q.offset, items } satisfies ItemPage;
    }
    if (q.label === null) {
      for (let i = q.offset; i < Math.min(v.items, q.offset + q.limit); i++) items.push(itemAt(v, i, run));
      return { total: v.items, offset: q.offset, items } satisfies ItemPage;
    }
    const lab = q.label === "" ? null : q.label;
    const ks = positions(lab);
    const total = ks.length ? countFor(v.items, lab) : 0;
    for (let j = q.offset; j < Math.min(total, q.offset + q.limit); j++) {
      const i = Math.floor(j / ks.length) * 10 + ks[j % ks.length]!;
      items.push(itemAt(v, i, run));
    }
    return { total, offset: q.offset, items } satisfies ItemPage;
  },
  async get_item(args) {
    await sleep(50);
    const { v, i } = decodeRowid(Number(args?.rowid));
    const s = itemAt(v, i);
    const r = rng(s.rowid);
    const [w, h] = sizeOf(v, i);
    const detail: ItemDetail = {
      rowid: s.rowid,
      id: s.id,
      label: s.label,
      path: s.hasMedia ? `images/${v.prefix}/${s.id}.png` : null,
      absPath: s.hasMedia ? `/data/${v.prefix}/images/${s.id}.png` : null,
      metadata: {
        split: i % 5 === 0 ? "test" : "train",
        annotator: ["ana", "bo", "chen"][i % 3],
        confidence: Math.round(r() * 1000) / 1000,
        source_url: `https://example.org/${v.prefix}/${i}`,
        reviewed: i % 2 === 0,
        notes: i % 4 === 0 ? null : "slight motion blur in the lower left corner",
      },
      features: [
        ...v.featureNames.map((n): [string, number | null] => [n, r() * 10 - 2]),
        ["missing_feature", null],
        ["large_value", 123_456_789.123],
      ],
      width: s.hasMedia ? w : null,
      height: s.hasMedia ? h : null,
    };
    return detail;
  },
  async list_models() {
    await sleep(70);
    return models.map((m) => ({ ...m }));
  },
  async add_model(args) {
    await sleep(900);
    return addModel(args?.request as AddModelRequest);
  },
  async list_runs() {
    await sleep(60);
    return runs.map(({ modelId: _m, ...rest }): RunInfo => rest);
  },
  async item_prediction(args) {
    await sleep(40);
    const run = findRun(Number(args?.run));
    const { v, i } = decodeRowid(Number(args?.rowid));
    if (v.id !== run.versionId) return null;
    const p = predictionOf(run, i);
    if (!p) return null;
    if (!p.probs) return { run: run.run, predicted: null, confidence: null, top: [], error: p.error } satisfies ItemPrediction;
    const top = CLASSES.map((c, k): [string, number] => [c, p.probs![k]!]).sort((a, b) => b[1] - a[1]);
    return { run: run.run, predicted: CLASSES[p.best]!, confidence: p.probs[p.best]!, top, error: null } satisfies ItemPrediction;
  },
  async cancel_run() {
    runCancel = runActive;
    return runActive;
  },
  async start_run(args) {
    if (runActive) throw err("invalid_input", "a run is already in progress; wait for it or cancel it");
    runActive = true;
    runCancel = false;
    try {
      return await mockStartRun(args?.request as RunRequest, args?.onProgress as Channel<RunProgress>);
    } finally {
      runActive = false;
    }
  },
  async cancel_import() {
    const running = importRunning;
    cancelRequested = running;
    return running;
  },
  async import_dataset(args) {
    importRunning = true;
    cancelRequested = false;
    try {
      return await mockImport(args);
    } finally {
      importRunning = false;
    }
  },
};

// Review workflow (annotators, reasons, queues with claims, annotations, undo, decisions, conflicts):
// see dev/mockReview.ts.
import { reviewHandlers } from "./mockReview";
for (const [name, handler] of Object.entries(
  reviewHandlers({
    sleep,
    err,
    run: (id) => findRun(id),
    item: (versionId, i) => {
      const s = itemAt(findVersion(versionId), i);
      return { rowid: s.rowid, id: s.id, label: s.label };
    },
    versionItems: (id) => findVersion(id).items,
    locate: (rowid) => {
      const { v, i } = decodeRowid(rowid);
      return { versionId: v.id, i };
    },
    probabilities: (run, i) => {
      const p = predictionOf(findRun(run), i);
      return p ? { probs: p.probs, error: p.error } : null;
    },
    classes: CLASSES,
    labels: () => (project?.labels ?? []).map((l) => l.name),
  }),
)) {
  handlers[name] ??= handler;
}

// Dashboard and export (project_report, agreement_history, export_*, pick_export_path, open_folder;
// list_reasons unless defined above): see dev/mockDashboard.ts.
import { dashboardHandlers } from "./mockDashboard";
for (const [name, handler] of Object.entries(dashboardHandlers({ sleep, err, runs: () => runs, datasets: () => datasets }))) {
  handlers[name] ??= handler;
}

// Team (copies of the project, packs, the shared folder): see dev/mockTeam.ts.
import { teamHandlers } from "./mockTeam";
for (const [name, handler] of Object.entries(teamHandlers({ sleep, err }))) {
  handlers[name] ??= handler;
}

let importRunning = false;
let cancelRequested = false;

async function mockImport(args: Record<string, unknown> | undefined): Promise<ImportSummary> {
  {
    const request = args?.request as ImportRequest;
    const channel = args?.onProgress as Channel<ImportProgress>;
    const total = 20_000;
    const stages: ImportProgress["stage"][] = ["reading", "validating", "hashing", "writing"];
    for (const stage of stages) {
      for (let done = 0; done <= total; done += 5_000) {
        channel.onmessage({ stage, done, total });
        await sleep(70);
        if (cancelRequested) throw err("cancelled", "cancelled; nothing was written");
        if (stage === "validating" && request.source.includes("bad")) {
          throw err(
            "invalid_input",
            `label column "${request.labelCol ?? "label"}" not found in ${request.source}\navailable columns: id, path, target, split`,
          );
        }
      }
    }
    channel.onmessage({ stage: "done", done: total, total });
    const name = request.name ?? request.source.split("/").pop()?.replace(/\.[^.]+$/, "") ?? "dataset";
    let ds = datasets.find((d) => d.name === name);
    if (ds && request.source.includes("same")) {
      const newest = ds.versions[0]!;
      return { dataset: name, version: newest.version, items: newest.items, labeled: newest.labeled, warnings: [], unchanged: true } satisfies ImportSummary;
    }
    if (!ds) {
      ds = { id: datasets.length + 10, name, source: request.source, versions: [] };
      datasets.push(ds);
    }
    const vnum = (ds.versions[0]?.version ?? 0) + 1;
    const v = version(ds.id * 10 + vnum, vnum, 1234, "mixed", name.slice(0, 6), 0);
    ds.versions.unshift(v);
    return {
      dataset: name,
      version: vnum,
      items: v.items,
      labeled: v.labeled,
      warnings: ["3 row(s) have no media path; they are imported without media"],
      unchanged: false,
    } satisfies ImportSummary;
  }
}

const RUNTIME_MISSING =
  "the ONNX Runtime 1.22.0 library was not found (looked at: $ORT_DYLIB_PATH (unset), /opt/arbiter/libonnxruntime.so, ~/.local/share/arbiter/onnxruntime/lib/libonnxruntime.so). Run ./scripts/setup.sh (it installs it from the onnxruntime==1.22.0 wheel on PyPI), or set ORT_DYLIB_PATH to a libonnxruntime.so of that version";

function addModel(req: AddModelRequest): ModelDto {
  if (params.has("noruntime")) throw err("runtime", RUNTIME_MISSING);
  const file = req.file.trim();
  if (file === "") throw err("invalid_input", "choose an .onnx file");
  if (file.includes("bad") || !file.endsWith(".onnx")) {
    throw err(
      "invalid_input",
      `${file}: not an ONNX model: the file could not be decoded as an ONNX ModelProto with a graph. Export the model to ONNX (e.g. torch.onnx.export, skl2onnx, tf2onnx) and add the .onnx file`,
    );
  }
  if (req.labelsFile?.includes("bad")) {
    throw err(
      "invalid_input",
      `${file}: the model outputs 4 classes but the labels file names 3: cat, dog, bird; give a labels file with exactly 4 names (--labels-file)`,
    );
  }
  if (req.size !== null && !/^\d+\s*[xX]\s*\d+$/.test(req.size)) {
    throw err("invalid_input", `--size ${JSON.stringify(req.size)}: use WIDTHxHEIGHT, e.g. 224x224`);
  }
  const name = req.name?.trim() || file.split("/").pop()!.replace(/\.onnx$/, "");
  const sha = fakeSha(file);
  let model: ModelDto;
  if (file.includes("tabular")) {
    model = { ...TABULAR_MODEL, sha256: sha };
  } else {
    const [w, h] = req.size ? req.size.toLowerCase().split("x").map(Number) : [224, 224];
    const pre = imagePre({
      width: w!,
      height: h!,
      ...(req.layout ? { layout: req.layout } : {}),
      ...(req.color ? { color: req.color } : {}),
      ...(req.scale !== null ? { scale: f32(req.scale) } : {}),
      ...(req.mean ? { mean: req.mean.map(f32) } : {}),
      ...(req.std ? { std: req.std.map(f32) } : {}),
    });
    model = imageModel(0, name, 0, file, pre, 0);
    if (req.output) model.outputKind = req.output === "probabilities" ? "probabilities" : "logits";
  }
  model.classesSource = req.labelsFile ? "labels_file" : model.kind === "tabular" ? "project_schema" : "model_metadata";
  const same = models.find(
    (m) =>
      m.name === name &&
      m.sha256 === sha &&
      JSON.stringify(m.preprocess) === JSON.stringify(model.preprocess) &&
      m.outputKind === model.outputKind,
  );
  if (same) return same;
  const version = Math.max(0, ...models.filter((m) => m.name === name).map((m) => m.version)) + 1;
  model = { ...model, id: Math.max(0, ...models.map((m) => m.id)) + 1, name, version, createdAt: new Date().toISOString() };
  models.push(model);
  sortModels();
  return model;
}

async function mockStartRun(req: RunRequest, channel: Channel<RunProgress>): Promise<RunInfo> {
  await sleep(150);
  if (params.has("noruntime")) throw err("runtime", RUNTIME_MISSING);
  let run: MockRun;
  if (req.resume !== null) {
    run = findRun(req.resume);
    if (run.status === "done") throw err("invalid_input", `run ${run.run} is complete; nothing to resume`);
  } else {
    const model = findModelByRef(req.model);
    const { ds, v } = findVersionByRef(req.dataset);
    if (model.kind === "tabular" && v.featureNames.length !== 4) {
      throw err(
        "invalid_input",
        `model "${ref(model)}" takes 4 features but this dataset version has ${v.featureNames.length} (${v.featureNames.join(", ")}); import a manifest whose feature columns match, or name them with --features`,
      );
    }
    run = mockRun(Math.max(0, ...runs.map((r) => r.run)) + 1, model.id, v.id, "running", 0, {
      dataset: `${ds.name}@${v.version}`,
      seconds: 0,
    });
    runs.unshift(run);
  }
  if (req.device === "cuda") {
    throw err(
      "runtime",
      "CUDA was requested but cannot be used: libcublasLt.so.12: cannot open shared object file: No such file or directory. Install onnxruntime-gpu==1.22.0 with a working CUDA set-up, or use --device cpu",
    );
  }
  const provider = "CPUExecutionProvider";
  run.status = "running";
  run.requestedDevice = req.device;
  run.provider = provider;
  run.notice =
    req.device === "auto"
      ? "CUDA is not available (libcublasLt.so.12: cannot open shared object file: No such file or directory); running on CPU"
      : null;
  const total = findVersion(run.versionId).items;
  const model = models.find((m) => m.id === run.modelId);
  const ticks = 30;
  const ips = Math.max(1, Math.round(total / 3));
  await sleep(400); // "loading the model"
  const start = run.items;
  for (let k = 1; k <= ticks; k++) {
    await sleep(100);
    if (runCancel) {
      run.status = "cancelled";
      throw err("cancelled", "cancelled; nothing was written");
    }
    const done = Math.min(total, Math.round(start + ((total - start) * k) / ticks));
    run.items = done;
    run.failed = model?.kind === "image" ? failedUpTo(done) : 0;
    run.seconds += 0.1;
    channel.onmessage({
      run: run.run,
      done,
      failed: run.failed,
      total,
      itemsPerSecond: ips * (0.9 + Math.random() * 0.2),
      etaSeconds: (total - done) / ips,
      provider,
    });
  }
  run.status = "done";
  run.itemsPerSecond = (run.items - start) / Math.max(0.1, run.seconds);
  const { modelId: _m, ...info } = run;
  return info;
}

/** Call log for poking at from the devtools / screenshot scripts. */
const stats = { calls: {} as Record<string, number>, listItems: [] as string[] };
(globalThis as { __arbiterMock?: typeof stats }).__arbiterMock = stats;

export async function invoke<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  stats.calls[cmd] = (stats.calls[cmd] ?? 0) + 1;
  if (cmd === "list_items") {
    const q = args?.query as ItemQuery;
    stats.listItems.push(`${q.versionId}:${q.label}:${q.run}:${q.predicted}:${q.sort}:${q.offset}`);
  }
  if (params.get("fail") === cmd) {
    await sleep(50);
    throw err("io", `failed to read /home/ana/arbiter/pets-review/arbiter.db: database disk image is malformed (${cmd})`);
  }
  const handler = handlers[cmd];
  if (!handler) throw `command ${cmd} not found`; // what Tauri itself rejects with: a plain string
  if (!project && !["recent_projects", "current_project", "open_project", "create_project", "close_project", "pick_folder", "pick_file"].includes(cmd)) {
    throw err("no_project", "no project is open");
  }
  return (await handler(args)) as T;
}
