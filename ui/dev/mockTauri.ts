/**
 * DEV PREVIEW ONLY — a fake `@tauri-apps/api/core` serving made-up data, so the UI can be looked
 * at in a plain browser (`npm run dev:mock`, i.e. ARBITER_MOCK=1 vite). vite.config.ts aliases it
 * in for `vite serve` with ARBITER_MOCK=1 only; it is never part of a production build.
 *
 * URL switches: `?start` starts on the start screen; `?empty` opens a project without datasets;
 * `?slow` makes every call slow; `?fail=<command>` makes that command fail with an io error. Import sources containing "bad" fail, "same" come back unchanged.
 */
import type { DatasetInfo } from "../src/bindings/DatasetInfo";
import type { DatasetVersionInfo } from "../src/bindings/DatasetVersionInfo";
import type { ImportProgress } from "../src/bindings/ImportProgress";
import type { ImportRequest } from "../src/bindings/ImportRequest";
import type { ImportSummary } from "../src/bindings/ImportSummary";
import type { IpcError } from "../src/bindings/IpcError";
import type { ItemDetail } from "../src/bindings/ItemDetail";
import type { ItemPage } from "../src/bindings/ItemPage";
import type { ItemQuery } from "../src/bindings/ItemQuery";
import type { LabelCount } from "../src/bindings/LabelCount";
import type { ProjectInfo } from "../src/bindings/ProjectInfo";
import type { RecentProject } from "../src/bindings/RecentProject";

const params = new URLSearchParams(typeof location === "undefined" ? "" : location.search);
const SLOW = params.has("slow") ? 8 : 1;

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

function itemAt(v: MockVersion, i: number) {
  const label = PATTERN[i % 10] ?? null;
  return {
    rowid: v.id * ROW_BASE + i + 1,
    id: `${v.prefix}_${String(i).padStart(v.items > 99_999 ? 7 : 4, "0")}`,
    label,
    hasMedia: i % 97 !== 13,
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
  async pick_file() {
    await sleep(300);
    return "/home/ana/data/cifar-sample.csv";
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
    const items = [];
    if (q.label === null) {
      for (let i = q.offset; i < Math.min(v.items, q.offset + q.limit); i++) items.push(itemAt(v, i));
      return { total: v.items, offset: q.offset, items } satisfies ItemPage;
    }
    const lab = q.label === "" ? null : q.label;
    const ks = positions(lab);
    const total = ks.length ? countFor(v.items, lab) : 0;
    for (let j = q.offset; j < Math.min(total, q.offset + q.limit); j++) {
      const i = Math.floor(j / ks.length) * 10 + ks[j % ks.length]!;
      items.push(itemAt(v, i));
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

/** Call log for poking at from the devtools / screenshot scripts. */
const stats = { calls: {} as Record<string, number>, listItems: [] as string[] };
(globalThis as { __arbiterMock?: typeof stats }).__arbiterMock = stats;

export async function invoke<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  stats.calls[cmd] = (stats.calls[cmd] ?? 0) + 1;
  if (cmd === "list_items") {
    const q = args?.query as ItemQuery;
    stats.listItems.push(`${q.versionId}:${q.label}:${q.offset}`);
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
