import type { IpcError } from "../bindings/IpcError";
import type { ConvSearch } from "../bindings/ConvSearch";
import type { Device } from "../bindings/Device";
import type { ModelDto } from "../bindings/ModelDto";
import type { RunInfo } from "../bindings/RunInfo";
import type { RunProgress } from "../bindings/RunProgress";
import type { RunRequest } from "../bindings/RunRequest";
import { formatCount } from "./format";
import { modelRef, type BuildResult } from "./models";

export const DEFAULT_BATCH_SIZE = 64;
export const MAX_BATCH_SIZE = 65_536;

export const DEVICES: { value: Device; text: string }[] = [
  { value: "auto", text: "Auto — CUDA if available, else CPU" },
  { value: "cpu", text: "CPU" },
  { value: "cuda", text: "CUDA (fail if unavailable)" },
];

/** `NAME@VERSION` of a dataset version, as runs and `RunRequest` name them. */
export function datasetRef(name: string, version: number): string {
  return `${name}@${version}`;
}

export interface RunForm {
  /** `NAME@VERSION` */
  model: string;
  /** `NAME@VERSION` */
  dataset: string;
  batchSize: string;
  device: string;
  /** CUDA settings (blank = the default); not sent for a CPU run. */
  cudaDevice?: string;
  gpuMemLimit?: string;
  convSearch?: string;
}

/** cuDNN's convolution algorithm search, as the run dialog offers it. */
export const CONV_SEARCHES: { value: ConvSearch; text: string }[] = [
  { value: "exhaustive", text: "Exhaustive (slow 1st batch)" },
  { value: "heuristic", text: "Heuristic (quick start)" },
  { value: "default", text: "Default (least memory)" },
];

/**
 * A model's GPU settings as last used for a run on this computer. They live in this computer's
 * storage, not in the project: GPU indexes and memory differ from machine to machine, and a
 * project is shared with other machines.
 */
export interface GpuSettings {
  cudaDevice: string;
  gpuMemLimit: string;
  convSearch: string;
}

/** Storage key of the GPU settings, by model name (every version of a model shares them). */
export const GPU_SETTINGS_KEY = "arbiter.gpuSettings";

/** The model's name in `NAME@VERSION`. */
export function modelNameOf(ref: string): string {
  const at = ref.lastIndexOf("@");
  return at > 0 ? ref.slice(0, at) : ref;
}

/** The GPU settings in a form, trimmed (blank = the default). */
export function gpuSettingsOf(form: RunForm): GpuSettings {
  return {
    cudaDevice: (form.cudaDevice ?? "").trim(),
    gpuMemLimit: (form.gpuMemLimit ?? "").trim(),
    convSearch: form.convSearch ?? "exhaustive",
  };
}

/** GPU settings for people, e.g. "GPU 1 · memory limit 4GiB · cuDNN search heuristic". */
export function gpuSettingsText(s: GpuSettings | undefined): string {
  const gpu = s?.cudaDevice ? `GPU ${s.cudaDevice}` : "GPU 0";
  const mem = s?.gpuMemLimit ? `memory limit ${s.gpuMemLimit}` : "no memory limit";
  const search = `cuDNN search ${s?.convSearch || "exhaustive"}`;
  return `${gpu} · ${mem} · ${search}`;
}

/** A GPU memory size: bytes, or a number with B, KB/MB/GB/TB or KiB/MiB/GiB/TiB. */
const MEMORY_SIZE = /^\d+(\.\d+)?\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)?$/i;

export type RunFormErrors = Partial<Record<keyof RunForm, string>>;

export function defaultRunForm(model: string, dataset: string): RunForm {
  return { model, dataset, batchSize: String(DEFAULT_BATCH_SIZE), device: "auto" };
}

/** Form -> RunRequest (`resume` continues that run instead of starting a new one). */
export function buildRunRequest(form: RunForm, resume: number | null = null): BuildResult<RunRequest, RunFormErrors> {
  const errors: RunFormErrors = {};
  if (form.model.trim() === "") errors.model = "Choose a model";
  if (form.dataset.trim() === "") errors.dataset = "Choose a dataset version";
  const batch = form.batchSize.trim();
  const n = /^\d+$/.test(batch) ? Number(batch) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_BATCH_SIZE) {
    errors.batchSize = `A whole number, 1–${formatCount(MAX_BATCH_SIZE)}`;
  }
  const device = DEVICES.find((d) => d.value === form.device)?.value;
  if (device === undefined) errors.device = "Choose auto, CPU or CUDA";
  const gpu = device !== "cpu";
  const cudaDevice = gpu ? (form.cudaDevice ?? "").trim() : "";
  if (cudaDevice !== "" && !/^\d+$/.test(cudaDevice)) errors.cudaDevice = "A GPU index: 0, 1, … (nvidia-smi -L)";
  const gpuMemLimit = gpu ? (form.gpuMemLimit ?? "").trim() : "";
  if (gpuMemLimit !== "" && (!MEMORY_SIZE.test(gpuMemLimit) || Number.parseFloat(gpuMemLimit) <= 0)) {
    errors.gpuMemLimit = "A size such as 4GiB, 512MiB or bytes";
  }
  // exhaustive is the default: null keeps the request minimal.
  const chosen = gpu ? CONV_SEARCHES.find((c) => c.value === form.convSearch)?.value : undefined;
  const convSearch = chosen === undefined || chosen === "exhaustive" ? null : chosen;
  if (Object.keys(errors).length > 0 || device === undefined) return { ok: false, errors };
  return {
    ok: true,
    // decode: null — JPEGs are decoded as the model's preprocessing says (edited in Add model).
    request: {
      model: form.model.trim(),
      dataset: form.dataset.trim(),
      batchSize: n,
      device,
      resume,
      decode: null,
      cudaDevice: cudaDevice === "" ? null : Number(cudaDevice),
      gpuMemLimit: gpuMemLimit === "" ? null : gpuMemLimit,
      cudnnConvSearch: convSearch,
    },
  };
}

function statusText(run: RunInfo): string {
  switch (run.status) {
    case "cancelled":
    case "interrupted":
      return `${run.status} at ${formatCount(run.items)}`;
    default:
      return run.status;
  }
}

/** "Run 3 · digits-cnn@1 · done" */
export function runLabel(run: RunInfo): string {
  return `Run ${run.run} · ${run.model} · ${statusText(run)}`;
}

/** The runs over one dataset version (newest first, as `list_runs` returns them). */
export function runsForVersion(runs: RunInfo[] | null, versionId: number | null): RunInfo[] {
  if (!runs || versionId === null) return [];
  return runs.filter((r) => r.versionId === versionId);
}

/** The model a run used (its classes fill the predicted-class filter). */
export function modelForRun(run: RunInfo | null | undefined, models: ModelDto[] | null): ModelDto | null {
  if (!run || !models) return null;
  return models.find((m) => modelRef(m) === run.model) ?? null;
}

/** "1,234 items/s", "2.5 items/s" */
export function formatRate(itemsPerSecond: number): string {
  if (!Number.isFinite(itemsPerSecond) || itemsPerSecond <= 0) return "—";
  const v = itemsPerSecond < 10 ? Math.round(itemsPerSecond * 10) / 10 : Math.round(itemsPerSecond);
  return `${formatCount(v)} items/s`;
}

/** "0.4 s", "42 s", "2 min 5 s", "1 h 3 min" */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "—";
  if (seconds < 10) return `${(Math.round(seconds * 10) / 10).toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const rest = s % 60;
    return rest ? `${m} min ${rest} s` : `${m} min`;
  }
  const h = Math.floor(s / 3600);
  const m = Math.round((s % 3600) / 60);
  return m ? `${h} h ${m} min` : `${h} h`;
}

/** Progress in percent, or `null` while the total is unknown. */
export function progressPercent(done: number, total: number): number | null {
  if (!(total > 0)) return null;
  return Math.max(0, Math.min(100, (done / total) * 100));
}

/**
 * The run a cancelled `start_run` left behind, when no progress event told its id: the newest
 * cancelled run of the same model and dataset.
 */
export function findResumableRun(runs: RunInfo[], request: RunRequest): number | null {
  if (request.resume !== null) return request.resume;
  const hit = runs.find((r) => r.status === "cancelled" && r.model === request.model && r.dataset === request.dataset);
  return hit ? hit.run : null;
}

// ---------------------------------------------------------------- run lifecycle

export type RunState =
  | { phase: "idle" }
  | { phase: "running"; request: RunRequest; progress: RunProgress | null; cancelling: boolean }
  | { phase: "done"; request: RunRequest; info: RunInfo }
  | { phase: "cancelled"; request: RunRequest; runId: number | null; progress: RunProgress | null }
  | { phase: "failed"; request: RunRequest; error: IpcError };

export type RunEvent =
  | { type: "start"; request: RunRequest }
  | { type: "progress"; progress: RunProgress }
  | { type: "cancelling" }
  | { type: "finished"; info: RunInfo }
  | { type: "failed"; error: IpcError }
  | { type: "resolved"; runId: number | null }
  | { type: "reset" };

export const IDLE_RUN: RunState = { phase: "idle" };

export function runReducer(state: RunState, event: RunEvent): RunState {
  switch (event.type) {
    case "start":
      return { phase: "running", request: event.request, progress: null, cancelling: false };
    case "progress":
      return state.phase === "running" ? { ...state, progress: event.progress } : state;
    case "cancelling":
      return state.phase === "running" ? { ...state, cancelling: true } : state;
    case "finished":
      return state.phase === "running" ? { phase: "done", request: state.request, info: event.info } : state;
    case "failed":
      if (state.phase !== "running") return state;
      if (event.error.code === "cancelled") {
        return {
          phase: "cancelled",
          request: state.request,
          runId: state.progress?.run ?? state.request.resume,
          progress: state.progress,
        };
      }
      return { phase: "failed", request: state.request, error: event.error };
    case "resolved":
      return state.phase === "cancelled" && state.runId === null ? { ...state, runId: event.runId } : state;
    case "reset":
      return state.phase === "running" ? state : IDLE_RUN;
  }
}
