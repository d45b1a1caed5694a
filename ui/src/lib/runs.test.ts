import { describe, expect, it } from "vitest";
import type { ModelDto } from "../bindings/ModelDto";
import type { RunInfo } from "../bindings/RunInfo";
import type { RunProgress } from "../bindings/RunProgress";
import type { RunRequest } from "../bindings/RunRequest";
import {
  buildRunRequest,
  datasetRef,
  defaultRunForm,
  findResumableRun,
  formatDuration,
  formatRate,
  IDLE_RUN,
  modelForRun,
  progressPercent,
  runLabel,
  runReducer,
  runsForVersion,
  type RunState,
  gpuSettingsOf,
  gpuSettingsText,
  modelNameOf,
} from "./runs";

function run(over: Partial<RunInfo> = {}): RunInfo {
  return {
    run: 3,
    model: "digits-cnn@1",
    dataset: "digits@2",
    versionId: 12,
    status: "done",
    items: 1797,
    failed: 0,
    provider: "CPUExecutionProvider",
    requestedDevice: "auto",
    notice: null,
    seconds: 3.2,
    itemsPerSecond: 561.6,
    temperature: null,
    ...over,
  };
}

const request: RunRequest = { model: "digits-cnn@1", dataset: "digits@2", batchSize: 64, device: "auto", resume: null, decode: null, cudaDevice: null, gpuMemLimit: null, cudnnConvSearch: null };
const progress = (done: number, runId = 7): RunProgress => ({
  run: runId,
  done,
  failed: 0,
  total: 100,
  itemsPerSecond: 50,
  etaSeconds: (100 - done) / 50,
  provider: "CPUExecutionProvider",
});

describe("buildRunRequest", () => {
  it("defaults to batch 64 on auto", () => {
    expect(buildRunRequest(defaultRunForm("digits-cnn@1", "digits@2"))).toEqual({ ok: true, request });
  });

  it("carries the run to resume", () => {
    const built = buildRunRequest(defaultRunForm("m@1", "d@1"), 9);
    expect(built.ok && built.request.resume).toBe(9);
  });

  it("validates the batch size, model and dataset", () => {
    for (const batchSize of ["0", "-1", "1.5", "abc", "", "65537"]) {
      const built = buildRunRequest({ ...defaultRunForm("m@1", "d@1"), batchSize });
      expect(built.ok, batchSize).toBe(false);
      expect(!built.ok && built.errors.batchSize).toBe("A whole number, 1–65,536");
    }
    expect(buildRunRequest({ model: "", dataset: "", batchSize: "8", device: "tpu" })).toEqual({
      ok: false,
      errors: { model: "Choose a model", dataset: "Choose a dataset version", device: "Choose auto, CPU or CUDA" },
    });
    const ok = buildRunRequest({ ...defaultRunForm("m@1", "d@1"), batchSize: " 256 ", device: "cuda" });
    expect(ok.ok && ok.request).toMatchObject({ batchSize: 256, device: "cuda" });
  });

  it("names a model's GPU settings for people, by model name across versions", () => {
    expect(modelNameOf("digits-cnn@3")).toBe("digits-cnn");
    expect(modelNameOf("a@b@2")).toBe("a@b");
    expect(gpuSettingsText(undefined)).toBe("GPU 0 · no memory limit · cuDNN search exhaustive");
    expect(gpuSettingsText({ cudaDevice: "1", gpuMemLimit: "4GiB", convSearch: "heuristic" })).toBe(
      "GPU 1 · memory limit 4GiB · cuDNN search heuristic",
    );
    expect(gpuSettingsOf({ ...defaultRunForm("m@1", "d@1"), cudaDevice: " 2 ", gpuMemLimit: " 1GiB " })).toEqual({
      cudaDevice: "2",
      gpuMemLimit: "1GiB",
      convSearch: "exhaustive",
    });
  });

  it("carries CUDA settings, refuses bad ones, and sends none for a CPU run", () => {
    const gpu = { ...defaultRunForm("m@1", "d@1"), device: "cuda", cudaDevice: " 1 ", gpuMemLimit: " 4GiB ", convSearch: "heuristic" };
    const ok = buildRunRequest(gpu);
    expect(ok.ok && ok.request).toMatchObject({ cudaDevice: 1, gpuMemLimit: "4GiB", cudnnConvSearch: "heuristic" });
    for (const cudaDevice of ["-1", "1.5", "first"]) {
      const bad = buildRunRequest({ ...gpu, cudaDevice });
      expect(!bad.ok && bad.errors.cudaDevice, cudaDevice).toBe("A GPU index: 0, 1, … (nvidia-smi -L)");
    }
    for (const gpuMemLimit of ["4XB", "-2GiB", "0", "GiB", "1.2.3MiB"]) {
      const bad = buildRunRequest({ ...gpu, gpuMemLimit });
      expect(!bad.ok && bad.errors.gpuMemLimit, gpuMemLimit).toBe("A size such as 4GiB, 512MiB or bytes");
    }
    const cpu = buildRunRequest({ ...gpu, device: "cpu", cudaDevice: "x", gpuMemLimit: "4XB" });
    expect(cpu.ok && cpu.request).toMatchObject({ cudaDevice: null, gpuMemLimit: null, cudnnConvSearch: null });
  });
});

describe("run labels and lists", () => {
  it("labels runs for the run selector", () => {
    expect(runLabel(run())).toBe("Run 3 · digits-cnn@1 · done");
    expect(runLabel(run({ status: "cancelled", items: 1234 }))).toBe("Run 3 · digits-cnn@1 · cancelled at 1,234");
    expect(runLabel(run({ status: "failed" }))).toBe("Run 3 · digits-cnn@1 · failed");
    expect(datasetRef("digits", 2)).toBe("digits@2");
  });

  it("lists the runs over one dataset version", () => {
    const runs = [run({ run: 5, versionId: 1 }), run({ run: 4, versionId: 12 }), run({ run: 3, versionId: 12 })];
    expect(runsForVersion(runs, 12).map((r) => r.run)).toEqual([4, 3]);
    expect(runsForVersion(runs, null)).toEqual([]);
    expect(runsForVersion(null, 12)).toEqual([]);
  });

  it("finds the model of a run by NAME@VERSION", () => {
    const models = [
      { name: "digits-cnn", version: 2, classes: ["a"] },
      { name: "digits-cnn", version: 1, classes: ["b"] },
    ] as ModelDto[];
    expect(modelForRun(run(), models)?.classes).toEqual(["b"]);
    expect(modelForRun(run({ model: "gone@1" }), models)).toBeNull();
    expect(modelForRun(null, models)).toBeNull();
  });
});

describe("throughput and time", () => {
  it("formats items per second", () => {
    expect(formatRate(1234.4)).toBe("1,234 items/s");
    expect(formatRate(2.46)).toBe("2.5 items/s");
    expect(formatRate(0)).toBe("—");
    expect(formatRate(Number.NaN)).toBe("—");
  });

  it("formats durations", () => {
    expect(formatDuration(0.42)).toBe("0.4 s");
    expect(formatDuration(3.2)).toBe("3.2 s");
    expect(formatDuration(42.4)).toBe("42 s");
    expect(formatDuration(125)).toBe("2 min 5 s");
    expect(formatDuration(120)).toBe("2 min");
    expect(formatDuration(3780)).toBe("1 h 3 min");
    expect(formatDuration(-1)).toBe("—");
  });

  it("computes progress", () => {
    expect(progressPercent(25, 100)).toBe(25);
    expect(progressPercent(120, 100)).toBe(100);
    expect(progressPercent(0, 0)).toBeNull();
  });
});

describe("findResumableRun", () => {
  it("prefers the run being resumed, else the newest cancelled run of the same model and dataset", () => {
    const runs = [
      run({ run: 9, status: "cancelled", model: "other@1" }),
      run({ run: 8, status: "cancelled" }),
      run({ run: 7, status: "cancelled" }),
    ];
    expect(findResumableRun(runs, request)).toBe(8);
    expect(findResumableRun(runs, { ...request, resume: 7 })).toBe(7);
    expect(findResumableRun([run({ status: "done" })], request)).toBeNull();
  });
});

describe("runReducer", () => {
  const started = runReducer(IDLE_RUN, { type: "start", request });

  it("goes running -> done with progress in between", () => {
    expect(started).toEqual({ phase: "running", request, progress: null, cancelling: false });
    const s = runReducer(started, { type: "progress", progress: progress(40) });
    expect(s.phase === "running" && s.progress?.done).toBe(40);
    const done = runReducer(s, { type: "finished", info: run({ run: 7 }) });
    expect(done).toEqual({ phase: "done", request, info: run({ run: 7 }) });
    // late progress messages after the end are ignored
    expect(runReducer(done, { type: "progress", progress: progress(41) })).toBe(done);
  });

  it("turns a cancelled rejection into a resumable state with the run id from progress", () => {
    let s: RunState = runReducer(started, { type: "progress", progress: progress(30, 11) });
    s = runReducer(s, { type: "cancelling" });
    expect(s.phase === "running" && s.cancelling).toBe(true);
    s = runReducer(s, { type: "failed", error: { code: "cancelled", message: "cancelled; nothing was written" } });
    expect(s).toEqual({ phase: "cancelled", request, runId: 11, progress: progress(30, 11) });
    // a later lookup does not override a known id
    expect(runReducer(s, { type: "resolved", runId: 99 })).toBe(s);
  });

  it("learns the run id of a run cancelled before its first progress message", () => {
    let s = runReducer(started, { type: "failed", error: { code: "cancelled", message: "" } });
    expect(s).toMatchObject({ phase: "cancelled", runId: null });
    s = runReducer(s, { type: "resolved", runId: 12 });
    expect(s).toMatchObject({ phase: "cancelled", runId: 12 });
  });

  it("keeps other failures with their error", () => {
    const error = { code: "runtime" as const, message: "ONNX Runtime not found; run ./scripts/setup.sh" };
    expect(runReducer(started, { type: "failed", error })).toEqual({ phase: "failed", request, error });
  });

  it("resets only when nothing runs", () => {
    expect(runReducer(started, { type: "reset" })).toBe(started);
    const failed = runReducer(started, { type: "failed", error: { code: "io", message: "x" } });
    expect(runReducer(failed, { type: "reset" })).toBe(IDLE_RUN);
  });
});
