import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DatasetInfo } from "../bindings/DatasetInfo";
import type { ExportRequest } from "../bindings/ExportRequest";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import type { RunInfo } from "../bindings/RunInfo";

const listDatasets = vi.fn();
const listRuns = vi.fn();
const listReasons = vi.fn();
const exportPreview = vi.fn();
const exportDataset = vi.fn();
const pickExportPath = vi.fn();
const openFolder = vi.fn();
vi.mock("../ipc", () => ({
  listDatasets: (...a: unknown[]) => listDatasets(...a),
  listRuns: (...a: unknown[]) => listRuns(...a),
  listReasons: (...a: unknown[]) => listReasons(...a),
  exportPreview: (...a: unknown[]) => exportPreview(...a),
  exportDataset: (...a: unknown[]) => exportDataset(...a),
  pickExportPath: (...a: unknown[]) => pickExportPath(...a),
  openFolder: (...a: unknown[]) => openFolder(...a),
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
  for (const f of [listDatasets, listRuns, listReasons, exportPreview, exportDataset, pickExportPath, openFolder]) f.mockReset();
  listDatasets.mockResolvedValue(datasets);
  listRuns.mockResolvedValue([run]);
  listReasons.mockResolvedValue([
    { code: "bad_input", description: "Broken" },
    { code: "ambiguous", description: "Unclear" },
  ]);
  exportPreview.mockImplementation(async (r: ExportRequest) => ({
    rows: r.onlyDecided ? 40 : 500,
    labels: r.onlyDecided ? { cat: 30, dog: 10 } : { cat: 30, dog: 10, "(none)": 460 },
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
  it("counts live (debounced) with the grid's version and bad_input excluded by default", async () => {
    await mount();
    expect(exportPreview).not.toHaveBeenCalled();
    await advance(PREVIEW_DEBOUNCE_MS);
    await flush();
    expect(exportPreview).toHaveBeenCalledTimes(1);
    expect(exportPreview.mock.calls[0]![0]).toMatchObject({
      dataset: "pets@2",
      run: null,
      onlyDecided: false,
      minAgreement: null,
      excludeReasons: ["bad_input"],
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
    expect(exportPreview.mock.calls[1]![0]).toMatchObject({ onlyDecided: true, excludeReasons: ["bad_input", "ambiguous"] });
    expect(screen.getByTestId("export-count").dataset.rows).toBe("40");
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
    expect(exportDataset).toHaveBeenCalledWith({
      out: "/out/pets.csv",
      format: "csv",
      dataset: "pets@2",
      run: null,
      onlyDecided: false,
      minAgreement: null,
      excludeReasons: ["bad_input"],
      validationShare: 0.1,
      seed: 9,
    });
    const done = screen.getByTestId("export-done");
    expect(done.dataset.rows).toBe("500");
    expect(screen.getByTestId("export-out").textContent).toBe("/out/pets.csv");
    expect(screen.getByTestId("export-lineage").textContent).toBe("/out/pets.csv.lineage.json");
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

  it("offers only the runs over the chosen version and drops the run when the version changes", async () => {
    await mount();
    const runSelect = screen.getByTestId("export-run") as HTMLSelectElement;
    expect([...runSelect.options].map((o) => o.value)).toEqual(["", "7"]);
    fireEvent.change(runSelect, { target: { value: "7" } });
    fireEvent.change(screen.getByTestId("export-dataset"), { target: { value: "other@1" } });
    expect((screen.getByTestId("export-run") as HTMLSelectElement).value).toBe("");
    expect([...(screen.getByTestId("export-run") as HTMLSelectElement).options].map((o) => o.value)).toEqual([""]);
  });
});
