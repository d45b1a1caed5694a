import { beforeEach, describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
const convertFileSrc = vi.fn((path: string, protocol?: string) => `${protocol}://localhost/${encodeURIComponent(path)}`);

class FakeChannel<T> {
  onmessage: (m: T) => void = () => {};
}

vi.mock("@tauri-apps/api/core", () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  convertFileSrc: (p: string, proto?: string) => convertFileSrc(p, proto),
  Channel: FakeChannel,
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
    await ipc.createProject("/q", ["cat", "dog"]);
    await ipc.closeProject();
    await ipc.pickFolder("Pick");
    await ipc.pickFile("File");
    await ipc.listDatasets();
    await ipc.labelCounts(7);
    await ipc.listItems({ versionId: 7, offset: 256, limit: 256, label: "" });
    await ipc.getItem(42);
    expect(invoke.mock.calls).toEqual([
      ["recent_projects", undefined],
      ["current_project", undefined],
      ["open_project", { path: "/p" }],
      ["create_project", { path: "/q", labels: ["cat", "dog"] }],
      ["close_project", undefined],
      ["pick_folder", { title: "Pick" }],
      ["pick_file", { title: "File" }],
      ["list_datasets", undefined],
      ["label_counts", { versionId: 7 }],
      ["list_items", { query: { versionId: 7, offset: 256, limit: 256, label: "" } }],
      ["get_item", { rowid: 42 }],
    ]);
  });

  it("returns the resolved value", async () => {
    invoke.mockResolvedValue({ total: 3, offset: 0, items: [] });
    await expect(ipc.listItems({ versionId: 1, offset: 0, limit: 10, label: null })).resolves.toEqual({
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

describe("image URLs", () => {
  it("uses the thumb and media schemes with the rowid as path", () => {
    expect(ipc.thumbUrl(123)).toBe("thumb://localhost/123");
    expect(ipc.mediaUrl(9)).toBe("media://localhost/9");
    expect(convertFileSrc).toHaveBeenCalledWith("123", "thumb");
    expect(convertFileSrc).toHaveBeenCalledWith("9", "media");
  });
});
