import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DatasetInfo } from "../bindings/DatasetInfo";
import type { ExportDone } from "../bindings/ExportDone";
import type { ExportProgress } from "../bindings/ExportProgress";
import type { ExportRequest } from "../bindings/ExportRequest";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import type { RunInfo } from "../bindings/RunInfo";

const listDatasets = vi.fn();
const listRuns = vi.fn();
const listReasons = vi.fn();
const exportPreview = vi.fn();
const exportDataset = vi.fn();
const cancelExport = vi.fn();
const pickExportPath = vi.fn();
const openFolder = vi.fn();
const exportWouldReplace = vi.fn();
vi.mock("../ipc", () => ({
  listDatasets: (...a: unknown[]) => listDatasets(...a),
  listRuns: (...a: unknown[]) => listRuns(...a),
  listReasons: (...a: unknown[]) => listReasons(...a),
  exportPreview: (...a: unknown[]) => exportPreview(...a),
  exportDataset: (...a: unknown[]) => exportDataset(...a),
  cancelExport: (...a: unknown[]) => cancelExport(...a),
  pickExportPath: (...a: unknown[]) => pickExportPath(...a),
  openFolder: (...a: unknown[]) => openFolder(...a),
  exportWouldReplace: (...a: unknown[]) => exportWouldReplace(...a),
}));

const { ExportScreen, PREVIEW_DEBOUNCE_MS } = await import("./ExportScreen");

const project: ProjectInfo = { path: "/p/pets", name: "pets", labels: [], datasets: 2, items: 10 };
const version = (id: number, v: number, items: number) => ({
  id,
  version: v,
  contentHash: "h",
  items,
  labeled: 0,
  createdAt: "2026-01-01T00:00:00Z",
  featureNames: [],
  texts: false,
});
const datasets: DatasetInfo[] = [
  { id: 1, name: "pets", source: "/d", versions: [version(12, 2, 500), version(11, 1, 400)] },
  { id: 2, name: "other", source: "/e", versions: [version(20, 1, 30)] },
];
const run: RunInfo = {
  run: 7,
  model: "resnet@1",
  dataset: "pets@2",
  versionId: 12,
  status: "done",
  items: 500,
  failed: 0,
  provider: "CPU",
  requestedDevice: "auto",
  notice: null,
  seconds: 1,
  itemsPerSecond: 500,
  temperature: null,
};

async function flush() {
  await act(async () => {
    await Promise.resolve();
    await Promise.resolve();
  });
}

async function advance(ms: number) {
  await act(async () => {
    vi.advanceTimersByTime(ms);
    await Promise.resolve();
  });
}

beforeEach(() => {
  vi.useFakeTimers();
  for (const f of [listDatasets, listRuns, listReasons, exportPreview, exportDataset, cancelExport, pickExportPath, openFolder, exportWouldReplace])
    f.mockReset();
  exportWouldReplace.mockResolvedValue(false);
  listDatasets.mockResolvedValue(datasets);
  listRuns.mockResolvedValue([run]);
  listReasons.mockResolvedValue([
    { code: "bad_input", description: "Broken" },
    { code: "ambiguous", description: "Unclear" },
  ]);
  exportPreview.mockImplementation(async ({ onlyDecided, excludeReasons }: ExportRequest) => ({
    rows: onlyDecided ? 40 : 500,
    labels: onlyDecided ? { cat: 30, dog: 10 } : { cat: 30, dog: 10, "(none)": 460 },
    skipped: {},
    excluded: Object.fromEntries(excludeReasons.map((c) => [c, c === "bad_input" ? 3 : 1])),
    target: null,
  }));
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

async function mount() {
  render(<ExportScreen project={project} versionId={12} onBack={() => {}} onDashboard={() => {}} />);
  await flush();
  await flush();
}

describe("ExportScreen", () => {
  it("counts live (debounced) with the grid's version, its newest finished run and nothing excluded by default", async () => {
    await mount();
    expect(exportPreview).not.toHaveBeenCalled();
    await advance(PREVIEW_DEBOUNCE_MS);
    await flush();
    expect(exportPreview).toHaveBeenCalledTimes(1);
    expect(exportPreview.mock.calls[0]![0]).toMatchObject({
      dataset: "pets@2",
      run: 7,
      onlyDecided: false,
      minAgreement: null,
      excludeReasons: [],
      validationShare: null,
    });
    const count = screen.getByTestId("export-count");
    expect(count.dataset.rows).toBe("500");
    expect(count.textContent).toContain("no final label");

    // Two quick changes: one preview, for the last state.
    fireEvent.click(screen.getByTestId("export-only-decided"));
    await advance(100);
    fireEvent.click(document.querySelector('[data-testid="export-reason"][data-code="ambiguous"]')!);
    await advance(PREVIEW_DEBOUNCE_MS);
    await flush();
    expect(exportPreview).toHaveBeenCalledTimes(2);
    expect(exportPreview.mock.calls[1]![0]).toMatchObject({ onlyDecided: true, excludeReasons: ["ambiguous"] });
    expect(screen.getByTestId("export-count").dataset.rows).toBe("40");
  });

  it("counts an image folder in files, with what it leaves out", async () => {
    await mount();
    await advance(PREVIEW_DEBOUNCE_MS);
    await flush();
    exportPreview.mockResolvedValueOnce({ rows: 470, labels: { cat: 300, dog: 170 }, skipped: { no_media: 20, no_label: 10 } });
    fireEvent.change(screen.getByTestId("export-format"), { target: { value: "imagefolder" } });
    // Until the folder's count arrives, the table's count keeps its own unit.
    expect(screen.getByTestId("export-count").querySelector(".export-count-head")!.textContent).toContain("rows");
    await advance(PREVIEW_DEBOUNCE_MS);
    await flush();
    expect(exportPreview).toHaveBeenCalledTimes(2);
    expect(exportPreview.mock.calls[1]![0]).toMatchObject({ format: "imagefolder" });
    const count = screen.getByTestId("export-count");
    expect(count.dataset.rows).toBe("470");
    expect(count.querySelector(".export-count-head")!.textContent).toContain("files");
    expect(screen.getByTestId("export-count-skipped").textContent).toBe(
      "Left out: 20 without an image, 10 without a final or given label.",
    );
  });

  it("does not count again when only the destination changes", async () => {
    await mount();
    await advance(PREVIEW_DEBOUNCE_MS);
    await flush();
    fireEvent.change(screen.getByTestId("export-path"), { target: { value: "/out/x.parquet" } });
    await advance(PREVIEW_DEBOUNCE_MS * 2);
    await flush();
    expect(exportPreview).toHaveBeenCalledTimes(1);
  });

  it("asks for a destination, exports, shows the result and opens its folder", async () => {
    exportDataset.mockResolvedValue({
      out: "/out/pets.csv",
      lineage: "/out/pets.csv.lineage.json",
      folder: "/out",
      rows: 500,
      labels: { cat: 30 },
      skipped: {},
      run: 7,
      targetExport: null,
    });
    openFolder.mockResolvedValue(undefined);
    pickExportPath.mockResolvedValue("/out/pets.csv");
    await mount();
    fireEvent.change(screen.getByTestId("export-format"), { target: { value: "csv" } });
    fireEvent.click(screen.getByTestId("export-submit"));
    expect(screen.getByText("Choose where to save the file")).toBeTruthy();
    expect(exportDataset).not.toHaveBeenCalled();

    fireEvent.click(screen.getByTestId("export-choose"));
    await flush();
    expect(pickExportPath).toHaveBeenCalledWith("csv");
    expect((screen.getByTestId("export-path") as HTMLInputElement).value).toBe("/out/pets.csv");

    fireEvent.click(screen.getByTestId("export-split"));
    fireEvent.change(screen.getByTestId("export-seed"), { target: { value: "9" } });
    fireEvent.click(screen.getByTestId("export-submit"));
    expect(screen.getByTestId("export-busy")).toBeTruthy();
    await flush();
    expect(exportDataset).toHaveBeenCalledWith(
      {
        out: "/out/pets.csv",
        format: "csv",
        dataset: "pets@2",
        run: 7,
        onlyDecided: false,
        minAgreement: null,
        excludeReasons: [],
        validationShare: 0.1,
        seed: 9,
        allowBelowTarget: false,
      },
      expect.any(Function),
    );
    const done = screen.getByTestId("export-done");
    expect(done.dataset.rows).toBe("500");
    expect(screen.getByTestId("export-out").textContent).toBe("/out/pets.csv");
    expect(screen.getByTestId("export-lineage").textContent).toBe("/out/pets.csv.lineage.json");
    expect(screen.getByTestId("export-predictions").textContent).toBe("Predictions of run 7");
    expect(screen.queryByTestId("export-skipped")).toBeNull();
    fireEvent.click(screen.getByTestId("export-open"));
    await flush();
    expect(openFolder).toHaveBeenCalledWith("/out");
  });

  it("shows the backend's error verbatim", async () => {
    exportDataset.mockRejectedValue({ code: "io", message: "/ro/x.parquet: Permission denied (os error 13)" });
    await mount();
    fireEvent.change(screen.getByTestId("export-path"), { target: { value: "/ro/x.parquet" } });
    fireEvent.click(screen.getByTestId("export-submit"));
    await flush();
    const error = screen.getByTestId("export-error");
    expect(error.dataset.code).toBe("io");
    expect(error.textContent).toContain("/ro/x.parquet: Permission denied (os error 13)");
  });

  it("offers only the runs over the chosen version and preselects that version's newest finished run", async () => {
    listRuns.mockResolvedValue([
      run,
      { ...run, run: 9, status: "cancelled" },
      { ...run, run: 3 },
      { ...run, run: 21, versionId: 20, dataset: "other@1" },
    ]);
    await mount();
    const runSelect = () => screen.getByTestId("export-run") as HTMLSelectElement;
    expect([...runSelect().options].map((o) => o.value)).toEqual(["", "7", "9", "3"]);
    expect(runSelect().value).toBe("7");
    // "None" is a choice the form keeps.
    fireEvent.change(runSelect(), { target: { value: "" } });
    expect(runSelect().value).toBe("");
    fireEvent.change(screen.getByTestId("export-dataset"), { target: { value: "other@1" } });
    expect(runSelect().value).toBe("21");
    expect([...runSelect().options].map((o) => o.value)).toEqual(["", "21"]);
    fireEvent.change(screen.getByTestId("export-dataset"), { target: { value: "pets@1" } });
    expect(runSelect().value).toBe("");
    expect([...runSelect().options].map((o) => o.value)).toEqual([""]);
  });

  it("shows each stage, with a determinate bar while files are linked, and ignores reports after the answer", async () => {
    const pending = controlledExport();
    await mount();
    await advance(PREVIEW_DEBOUNCE_MS);
    await flush();
    fireEvent.change(screen.getByTestId("export-format"), { target: { value: "imagefolder" } });
    fireEvent.change(screen.getByTestId("export-path"), { target: { value: "/out/folder" } });
    fireEvent.click(screen.getByTestId("export-submit"));
    await flush();
    expect(exportDataset).toHaveBeenCalledTimes(1);
    const bar = () => screen.getByTestId("export-busy");
    const fill = () => screen.getByTestId("export-progress-fill");
    const track = () => fill().parentElement!;
    expect(bar().textContent).toContain("Starting…");

    pending.report({ stage: "deciding", done: 0, total: 0 });
    expect(bar().dataset.stage).toBe("deciding");
    expect(bar().textContent).toContain("Deciding final labels…");
    expect(track().className).toContain("indeterminate");
    expect(bar().getAttribute("aria-valuenow")).toBeNull();

    pending.report({ stage: "linking", done: 10, total: 40 });
    expect(bar().textContent).toContain("Linking files…");
    expect(screen.getByTestId("export-progress-count").textContent).toBe("10 / 40 files");
    expect(track().className).not.toContain("indeterminate");
    expect(fill().style.width).toBe("25%");
    expect(bar().getAttribute("aria-valuenow")).toBe("10");
    expect(bar().getAttribute("aria-valuemax")).toBe("40");

    pending.report({ stage: "linking", done: 40, total: 40 });
    expect(fill().style.width).toBe("100%");

    await pending.resolve({
      out: "/out/folder",
      lineage: "/out/folder/lineage.json",
      folder: "/out/folder",
      rows: 38,
      labels: {},
      skipped: { no_media: 2 },
      run: null,
      targetExport: null,
    });
    expect(screen.getByTestId("export-done").dataset.rows).toBe("38");
    expect(screen.getByTestId("export-done").textContent).toContain("Exported 38 files");
    expect(screen.getByTestId("export-skipped").textContent).toBe("Left out: 2 without an image.");
    expect(screen.getByTestId("export-predictions").textContent).toBe("No predictions");
    expect(screen.queryByTestId("export-cancel")).toBeNull();
    pending.report({ stage: "lineage", done: 0, total: 0 });
    expect(screen.queryByTestId("export-busy")).toBeNull();
    expect(screen.getByTestId("export-done")).toBeTruthy();
  });

  it("names the table stage without a percentage (polars writes in one call)", async () => {
    const pending = controlledExport();
    await mount();
    await advance(PREVIEW_DEBOUNCE_MS);
    await flush();
    fireEvent.change(screen.getByTestId("export-path"), { target: { value: "/out/x.parquet" } });
    fireEvent.click(screen.getByTestId("export-submit"));
    await flush();
    pending.report({ stage: "selecting", done: 250, total: 500 });
    expect(screen.getByTestId("export-busy").textContent).toContain("Selecting rows…");
    expect(screen.getByTestId("export-progress-fill").style.width).toBe("50%");
    pending.report({ stage: "writing", done: 0, total: 0 });
    expect(screen.getByTestId("export-busy").textContent).toContain("Writing 500 rows…");
    expect(screen.getByTestId("export-progress-count").textContent).toBe("");
    expect(screen.getByTestId("export-progress-fill").parentElement!.className).toContain("indeterminate");
  });

  it("cancels a running export and says that nothing was written", async () => {
    const pending = controlledExport();
    cancelExport.mockResolvedValue(true);
    await mount();
    fireEvent.change(screen.getByTestId("export-format"), { target: { value: "imagefolder" } });
    fireEvent.change(screen.getByTestId("export-path"), { target: { value: "/out/folder" } });
    expect(screen.queryByTestId("export-cancel")).toBeNull();
    fireEvent.click(screen.getByTestId("export-submit"));
    await flush();
    pending.report({ stage: "linking", done: 3, total: 40 });
    const cancel = screen.getByTestId("export-cancel") as HTMLButtonElement;
    expect(cancel.disabled).toBe(false);
    fireEvent.click(cancel);
    await flush();
    expect(cancelExport).toHaveBeenCalledTimes(1);
    expect((screen.getByTestId("export-cancel") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId("export-cancel").textContent).toBe("Cancelling…");

    await pending.reject({ code: "cancelled", message: "cancelled; nothing was written" });
    const notice = screen.getByTestId("export-cancelled");
    expect(notice.textContent).toContain("Export cancelled; nothing was written");
    expect(screen.queryByTestId("export-error")).toBeNull();
    expect(screen.queryByTestId("export-busy")).toBeNull();
    expect(screen.queryByTestId("export-cancel")).toBeNull();
    expect((screen.getByTestId("export-submit") as HTMLButtonElement).disabled).toBe(false);
  });

  it("keeps the export running and says so when cancelling fails", async () => {
    const pending = controlledExport();
    cancelExport.mockRejectedValue({ code: "internal", message: "no answer" });
    await mount();
    fireEvent.change(screen.getByTestId("export-path"), { target: { value: "/out/x.parquet" } });
    fireEvent.click(screen.getByTestId("export-submit"));
    await flush();
    fireEvent.click(screen.getByTestId("export-cancel"));
    await flush();
    expect(screen.getByTestId("export-cancel-error").textContent).toContain("no answer");
    expect((screen.getByTestId("export-cancel") as HTMLButtonElement).disabled).toBe(false);
    expect(screen.getByTestId("export-busy")).toBeTruthy();
    await pending.resolve({
      out: "/out/x.parquet",
      lineage: "/out/x.parquet.lineage.json",
      folder: "/out",
      rows: 500,
      labels: {},
      skipped: {},
      run: 7,
      targetExport: null,
    });
    expect(screen.getByTestId("export-done")).toBeTruthy();
  });

  it("ticks no reason or flag by default and says how many items each ticked one removes", async () => {
    await mount();
    const boxes = [...document.querySelectorAll<HTMLInputElement>('[data-testid="export-reason"]')];
    expect(boxes.map((b) => [b.dataset.code, b.checked])).toEqual([
      ["bad_input", false],
      ["ambiguous", false],
    ]);
    expect(screen.queryByText(/suggested/i)).toBeNull();
    expect(screen.queryAllByTestId("export-reason-removes")).toHaveLength(0);
    fireEvent.click(boxes[0]!);
    fireEvent.click(boxes[1]!);
    // Until the count arrives, the tick says it is counting.
    expect(screen.getAllByTestId("export-reason-removes").map((e) => e.textContent)).toEqual(["counting…", "counting…"]);
    await advance(PREVIEW_DEBOUNCE_MS);
    await flush();
    expect(exportPreview.mock.calls.at(-1)![0]).toMatchObject({ excludeReasons: ["bad_input", "ambiguous"] });
    const removes = screen.getAllByTestId("export-reason-removes");
    expect(removes.map((e) => [e.dataset.code, e.dataset.count, e.textContent])).toEqual([
      ["bad_input", "3", "removes 3 items"],
      ["ambiguous", "1", "removes 1 item"],
    ]);
    fireEvent.click(boxes[0]!);
    expect(screen.getAllByTestId("export-reason-removes").map((e) => e.dataset.code)).toEqual(["ambiguous"]);
  });

  it("asks before replacing a file that is already at a typed destination", async () => {
    exportWouldReplace.mockResolvedValue(true);
    exportDataset.mockResolvedValue({
      out: "/out/x.csv",
      lineage: "/out/x.csv.lineage.json",
      folder: "/out",
      rows: 500,
      labels: {},
      skipped: {},
      run: 7,
    });
    await mount();
    fireEvent.change(screen.getByTestId("export-format"), { target: { value: "csv" } });
    fireEvent.change(screen.getByTestId("export-path"), { target: { value: "/out/x.csv" } });
    fireEvent.click(screen.getByTestId("export-submit"));
    await flush();
    expect(exportWouldReplace).toHaveBeenCalledWith("/out/x.csv", "csv");
    expect(exportDataset).not.toHaveBeenCalled();
    expect(screen.getByTestId("export-replace").textContent).toContain("/out/x.csv is already there");
    expect((screen.getByTestId("export-submit") as HTMLButtonElement).disabled).toBe(true);
    // Keeping it exports nothing; editing the destination drops the question too.
    fireEvent.click(screen.getByTestId("export-replace-cancel"));
    expect(screen.queryByTestId("export-replace")).toBeNull();
    expect(exportDataset).not.toHaveBeenCalled();
    fireEvent.click(screen.getByTestId("export-submit"));
    await flush();
    fireEvent.change(screen.getByTestId("export-path"), { target: { value: "/out/y.csv" } });
    expect(screen.queryByTestId("export-replace")).toBeNull();
    fireEvent.change(screen.getByTestId("export-path"), { target: { value: "/out/x.csv" } });
    fireEvent.click(screen.getByTestId("export-submit"));
    await flush();
    fireEvent.click(screen.getByTestId("export-replace-confirm"));
    await flush();
    expect(exportDataset).toHaveBeenCalledTimes(1);
    expect(exportDataset.mock.calls[0]![0]).toMatchObject({ out: "/out/x.csv", format: "csv" });
    expect(screen.getByTestId("export-done")).toBeTruthy();
  });

  it("does not ask again for the file the save dialog chose (the dialog asked)", async () => {
    exportWouldReplace.mockResolvedValue(true);
    pickExportPath.mockResolvedValue("/out/picked.parquet");
    exportDataset.mockResolvedValue({
      out: "/out/picked.parquet",
      lineage: "/out/picked.parquet.lineage.json",
      folder: "/out",
      rows: 500,
      labels: {},
      skipped: {},
      run: 7,
    });
    await mount();
    fireEvent.click(screen.getByTestId("export-choose"));
    await flush();
    fireEvent.click(screen.getByTestId("export-submit"));
    await flush();
    expect(exportWouldReplace).not.toHaveBeenCalled();
    expect(exportDataset).toHaveBeenCalledTimes(1);
  });

  it("rests the minimum-agreement slider at 0 %, disabled, while the filter is off", async () => {
    await mount();
    const box = screen.getByTestId("export-min-agreement-on") as HTMLInputElement;
    const slider = screen.getByTestId("export-min-agreement") as HTMLInputElement;
    expect(box.checked).toBe(false);
    expect(slider.disabled).toBe(true);
    expect(slider.value).toBe("0");
    fireEvent.click(box);
    expect(slider.disabled).toBe(false);
    expect(slider.value).toBe("1");
    fireEvent.change(slider, { target: { value: "0.6" } });
    expect(slider.value).toBe("0.6");
    // Off again: back to rest; on again: the chosen value is kept.
    fireEvent.click(box);
    expect(slider.value).toBe("0");
    fireEvent.click(box);
    expect(slider.value).toBe("0.6");
  });
});

/** `exportDataset` answering only when told, with its progress callback in the test's hands. */
function controlledExport() {
  let onProgress: ((p: ExportProgress) => void) | null = null;
  let settle: { resolve: (d: ExportDone) => void; reject: (e: unknown) => void } | null = null;
  exportDataset.mockImplementation(
    (_req: ExportRequest, cb: (p: ExportProgress) => void) =>
      new Promise<ExportDone>((resolve, reject) => {
        onProgress = cb;
        settle = { resolve, reject };
      }),
  );
  return {
    report(p: ExportProgress) {
      act(() => onProgress!(p));
    },
    async resolve(d: ExportDone) {
      settle!.resolve(d);
      await flush();
    },
    async reject(e: unknown) {
      settle!.reject(e);
      await flush();
    },
  };
}

describe("ExportScreen and the agreement target", () => {
  it("shows an unmet agreement target and exports below it only once the override is ticked", async () => {
    const target = {
      target: { statistic: "krippendorff_alpha" as const, min: 0.8, on: "estimate" as const },
      status: "fail" as const,
      value: 0.61,
      interval: { low: 0.5, high: 0.7 },
      compared: 0.61,
      reason: null,
      summary: "fail: …",
    };
    exportPreview.mockResolvedValue({ rows: 500, labels: { cat: 500 }, skipped: {}, excluded: {}, target });
    exportDataset.mockImplementation(async (r: ExportRequest) => {
      if (!r.allowBelowTarget) throw { code: "below_target", message: "export refused: the agreement target is not met" };
      return {
        out: r.out,
        lineage: `${r.out}.lineage.json`,
        folder: "/out",
        rows: 500,
        labels: {},
        skipped: {},
        run: 7,
        targetExport: "allowed_below_target",
      } satisfies ExportDone;
    });
    await mount();
    await advance(PREVIEW_DEBOUNCE_MS);
    await flush();
    const gate = screen.getByTestId("export-target");
    expect(gate.dataset.status).toBe("fail");
    expect(gate.textContent).toContain("Below target: Krippendorff's α (nominal) ≥ 0.80 on the estimate");
    expect(gate.textContent).toContain("Now 0.610 (95% 0.500–0.700)");
    const allow = () => screen.getByTestId("export-allow-below-target") as HTMLInputElement;
    expect(allow().checked).toBe(false);

    fireEvent.change(screen.getByTestId("export-path"), { target: { value: "/out/pets.csv" } });
    fireEvent.click(screen.getByTestId("export-submit"));
    await flush();
    await flush();
    expect(exportDataset.mock.calls[0]![0]).toMatchObject({ allowBelowTarget: false });
    expect(screen.getByTestId("export-error").textContent).toContain("The agreement target is not met");

    fireEvent.click(allow());
    expect(allow().checked).toBe(true);
    // Ticking the override does not count again.
    await advance(PREVIEW_DEBOUNCE_MS * 2);
    await flush();
    expect(exportPreview).toHaveBeenCalledTimes(1);
    fireEvent.click(screen.getByTestId("export-submit"));
    await flush();
    await flush();
    expect(exportDataset.mock.calls[1]![0]).toMatchObject({ allowBelowTarget: true });
    expect(screen.getByTestId("export-below-target").textContent).toContain("below the agreement target");
  });

  it("says quietly that a met target is met, with no override to tick", async () => {
    exportPreview.mockResolvedValue({
      rows: 1,
      labels: {},
      skipped: {},
      excluded: {},
      target: {
        target: { statistic: "percent_agreement", min: 0.5, on: "ci_low" },
        status: "pass",
        value: 0.9,
        interval: { low: 0.8, high: 0.95 },
        compared: 0.8,
        reason: null,
        summary: "pass: …",
      },
    });
    await mount();
    await advance(PREVIEW_DEBOUNCE_MS);
    await flush();
    expect(screen.getByTestId("export-target").textContent).toContain("Agreement target met: Percent agreement ≥ 0.50 on the low end");
    expect(screen.queryByTestId("export-allow-below-target")).toBeNull();
  });
});
