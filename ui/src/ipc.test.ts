import { beforeEach, describe, expect, it, vi } from "vitest";
import type { AddModelRequest } from "./bindings/AddModelRequest";
import type { RunRequest } from "./bindings/RunRequest";

const invoke = vi.fn();
const convertFileSrc = vi.fn((path: string, protocol?: string) => `${protocol}://localhost/${encodeURIComponent(path)}`);

class FakeChannel<T> {
  onmessage: (m: T) => void = () => {};
}

vi.mock("@tauri-apps/api/core", () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  convertFileSrc: (p: string, proto?: string) => convertFileSrc(p, proto),
  Channel: FakeChannel,
  isTauri: () => true,
}));

const ipc = await import("./ipc");

beforeEach(() => {
  invoke.mockReset();
});

describe("ipc commands", () => {
  it("calls each command with the contract's argument names", async () => {
    invoke.mockResolvedValue(null);
    await ipc.recentProjects();
    await ipc.currentProject();
    await ipc.openProject("/p");
    await ipc.createProject("/q", ["cat", "dog"], false);
    await ipc.closeProject();
    await ipc.pickFolder("Pick");
    await ipc.pickFile("File", "manifest");
    await ipc.pickFile("Model", "model");
    await ipc.pickFile("Labels", "labels");
    await ipc.listDatasets();
    await ipc.labelCounts(7);
    const query = { versionId: 7, offset: 256, limit: 256, label: "", run: 3, predicted: "cat", sort: "confidence_asc" } as const;
    await ipc.listItems(query, "ana");
    await ipc.getItem(42, null);
    await ipc.listModels();
    await ipc.listRuns();
    await ipc.cancelRun();
    await ipc.itemPrediction(3, 42);
    expect(invoke.mock.calls).toEqual([
      ["recent_projects", undefined],
      ["current_project", undefined],
      ["open_project", { path: "/p" }],
      ["create_project", { path: "/q", labels: ["cat", "dog"], ordinal: false }],
      ["close_project", undefined],
      ["pick_folder", { title: "Pick" }],
      ["pick_file", { title: "File", kind: "manifest" }],
      ["pick_file", { title: "Model", kind: "model" }],
      ["pick_file", { title: "Labels", kind: "labels" }],
      ["list_datasets", undefined],
      ["label_counts", { versionId: 7 }],
      ["list_items", { query, viewer: "ana" }],
      ["get_item", { rowid: 42, viewer: null }],
      ["list_models", undefined],
      ["list_runs", undefined],
      ["cancel_run", undefined],
      ["item_prediction", { run: 3, rowid: 42 }],
    ]);
  });

  it("returns the resolved value", async () => {
    invoke.mockResolvedValue({ total: 3, offset: 0, items: [] });
    await expect(
      ipc.listItems({ versionId: 1, offset: 0, limit: 10, label: null, run: null, predicted: null, sort: "source" }, null),
    ).resolves.toEqual({
      total: 3,
      offset: 0,
      items: [],
    });
  });

  it("rejects with the backend's IpcError unchanged", async () => {
    invoke.mockRejectedValue({ code: "project_locked", message: "locked by pid 12" });
    await expect(ipc.openProject("/p")).rejects.toEqual({ code: "project_locked", message: "locked by pid 12" });
  });

  it("normalises non-conforming rejections to code internal", async () => {
    invoke.mockRejectedValue("command open_project not found");
    await expect(ipc.openProject("/p")).rejects.toEqual({
      code: "internal",
      message: "command open_project not found",
    });
    invoke.mockRejectedValue(new Error("ipc bridge gone"));
    await expect(ipc.listDatasets()).rejects.toEqual({ code: "internal", message: "ipc bridge gone" });
  });

  it("streams import progress through a Channel named onProgress", async () => {
    const seen: unknown[] = [];
    invoke.mockImplementation(async (_cmd: string, args: { onProgress: FakeChannel<unknown> }) => {
      args.onProgress.onmessage({ stage: "reading", done: 0, total: 10 });
      args.onProgress.onmessage({ stage: "done", done: 10, total: 10 });
      return { dataset: "d", version: 1, items: 10, labeled: 0, warnings: [], unchanged: false };
    });
    const request = { source: "/x.csv", name: null, idCol: null, pathCol: null, labelCol: null, features: null };
    const summary = await ipc.importDataset(request, (p) => seen.push(p));
    expect(summary.items).toBe(10);
    expect(seen).toEqual([
      { stage: "reading", done: 0, total: 10 },
      { stage: "done", done: 10, total: 10 },
    ]);
    const [cmd, args] = invoke.mock.calls[0]!;
    expect(cmd).toBe("import_dataset");
    expect(args.request).toEqual(request);
    expect(args.onProgress).toBeInstanceOf(FakeChannel);
  });
});

describe("models and runs", () => {
  it("sends add_model's request under `request`", async () => {
    const request: AddModelRequest = {
      file: "/m/net.onnx",
      name: "net",
      labelsFile: null,
      tokenizer: null,
      size: "28x28",
      layout: null,
      color: "gray",
      scale: 1 / 255,
      mean: null,
      std: null,
      output: null,
      decode: "fast",
    };
    invoke.mockResolvedValue({ id: 1 });
    await ipc.addModel(request);
    expect(invoke).toHaveBeenCalledWith("add_model", { request });
  });

  it("streams run progress through a Channel named onProgress and resolves with the RunInfo", async () => {
    const seen: unknown[] = [];
    const progress = { run: 5, done: 64, failed: 1, total: 100, itemsPerSecond: 320, etaSeconds: 0.1, provider: "CPUExecutionProvider" };
    const info = { run: 5, status: "done" };
    invoke.mockImplementation(async (_cmd: string, args: { onProgress: FakeChannel<unknown> }) => {
      args.onProgress.onmessage(progress);
      return info;
    });
    const request: RunRequest = { model: "net@1", dataset: "digits@2", batchSize: 64, device: "auto", resume: null, decode: null, cudaDevice: null, gpuMemLimit: null, cudnnConvSearch: null };
    await expect(ipc.startRun(request, (p) => seen.push(p))).resolves.toEqual(info);
    expect(seen).toEqual([progress]);
    const [cmd, args] = invoke.mock.calls[0]!;
    expect(cmd).toBe("start_run");
    expect(args.request).toEqual(request);
    expect(args.onProgress).toBeInstanceOf(FakeChannel);
  });

  it("passes the runtime error code through", async () => {
    invoke.mockRejectedValue({ code: "runtime", message: "the ONNX Runtime library was not found. Run ./scripts/setup.sh" });
    await expect(ipc.listModels()).rejects.toEqual({
      code: "runtime",
      message: "the ONNX Runtime library was not found. Run ./scripts/setup.sh",
    });
  });
});

describe("image URLs", () => {
  it("uses the thumb and media schemes with the rowid as path", () => {
    expect(ipc.thumbUrl(123)).toBe("thumb://localhost/123");
    expect(ipc.mediaUrl(9)).toBe("media://localhost/9");
    expect(convertFileSrc).toHaveBeenCalledWith("123", "thumb");
    expect(convertFileSrc).toHaveBeenCalledWith("9", "media");
  });
});
