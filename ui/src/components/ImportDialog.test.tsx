import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ImportProgress } from "../bindings/ImportProgress";
import type { ImportRequest } from "../bindings/ImportRequest";

const importDataset = vi.fn();
const pickFile = vi.fn();
const pickFolder = vi.fn();
vi.mock("../ipc", () => ({
  importDataset: (...a: unknown[]) => importDataset(...a),
  pickFile: (...a: unknown[]) => pickFile(...a),
  pickFolder: (...a: unknown[]) => pickFolder(...a),
}));

const { ImportDialog, buildImportRequest, sourceKind, EMPTY_IMPORT_FORM } = await import("./ImportDialog");

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

beforeEach(() => {
  importDataset.mockReset();
  pickFile.mockReset();
  pickFolder.mockReset();
});
afterEach(cleanup);

describe("buildImportRequest", () => {
  it("maps blanks to null and splits features", () => {
    expect(buildImportRequest({ ...EMPTY_IMPORT_FORM, source: " /d/x.csv " })).toEqual({
      source: "/d/x.csv",
      name: null,
      idCol: null,
      pathCol: null,
      labelCol: null,
      features: null,
    });
    expect(
      buildImportRequest({
        source: "/d",
        name: "n",
        idCol: "key",
        pathCol: "file",
        labelCol: "y",
        textCol: "",
        features: "a, b,,c",
      }),
    ).toEqual({ source: "/d", name: "n", idCol: "key", pathCol: "file", labelCol: "y", features: ["a", "b", "c"] });
    // A text column makes text items; it is sent only when named.
    expect(buildImportRequest({ ...EMPTY_IMPORT_FORM, source: "/d/r.csv", textCol: " body " }, "manifest").textCol).toBe("body");
    expect(buildImportRequest({ ...EMPTY_IMPORT_FORM, source: "/d/r.csv" }, "manifest")).not.toHaveProperty("textCol");
    expect(buildImportRequest({ ...EMPTY_IMPORT_FORM, source: "/d/x.csv" }, "manifest", true).labelsFromData).toBe(true);
  });
});

describe("sourceKind", () => {
  it("tells a manifest by its extension and a folder by its shape or the folder dialog", () => {
    expect(sourceKind("")).toBe("unknown");
    expect(sourceKind("/d/x.csv")).toBe("manifest");
    expect(sourceKind("/d/x.TSV")).toBe("manifest");
    expect(sourceKind("C:\\data\\x.parquet")).toBe("manifest");
    expect(sourceKind("/d/x.jsonl ")).toBe("manifest");
    expect(sourceKind("/d/digits-unlabeled")).toBe("folder");
    expect(sourceKind("/d/pets.v2/")).toBe("folder");
    expect(sourceKind("C:\\data\\pets")).toBe("folder");
    expect(sourceKind("/d/pets.v2")).toBe("unknown");
    expect(sourceKind("/d/pets.v2", "/d/pets.v2")).toBe("folder");
  });

  it("sends no columns for a folder, whatever was typed in them", () => {
    const form = { source: "/d/pets", name: "pets", idCol: "key", pathCol: "file", labelCol: "y", textCol: "t", features: "a, b" };
    expect(buildImportRequest(form, "folder")).toEqual({
      source: "/d/pets",
      name: "pets",
      idCol: null,
      pathCol: null,
      labelCol: null,
      features: null,
    });
  });
});

describe("ImportDialog", () => {
  it("shows the manifest column fields for a manifest only, not for an image folder", async () => {
    pickFolder.mockResolvedValue("/data/pets.v2");
    importDataset.mockResolvedValue({ dataset: "pets", version: 1, items: 3, labeled: 3, warnings: [], unchanged: false });
    render(<ImportDialog onClose={() => {}} onImported={() => {}} />);
    const columns = () => ["id", "path", "label", "empty = all numeric columns"].filter((p) => screen.queryByPlaceholderText(p));
    // A manifest: its columns can be named.
    fireEvent.change(screen.getByTestId("import-source"), { target: { value: "/data/m.csv" } });
    expect(columns()).toHaveLength(4);
    fireEvent.change(screen.getByPlaceholderText("label"), { target: { value: "target" } });
    expect(screen.queryByTestId("import-folder-note")).toBeNull();
    // A folder from the folder dialog (even one whose name has a dot): no columns, a note instead.
    await act(async () => {
      fireEvent.click(screen.getByText("Choose folder…"));
    });
    expect(columns()).toEqual([]);
    expect(screen.getByTestId("import-folder-note").textContent).toMatch(/sub-folder/);
    await act(async () => {
      fireEvent.click(screen.getByTestId("import-submit"));
    });
    expect(importDataset.mock.calls[0]![0]).toMatchObject({ source: "/data/pets.v2", labelCol: null });
  });


  it("shows progress, then the backend error verbatim, keeping the form filled", async () => {
    const d = deferred<unknown>();
    let progress: ((p: ImportProgress) => void) | undefined;
    importDataset.mockImplementation((_req: ImportRequest, cb: (p: ImportProgress) => void) => {
      progress = cb;
      return d.promise;
    });
    const onImported = vi.fn();
    render(<ImportDialog onClose={() => {}} onImported={onImported} />);

    const source = screen.getByTestId("import-source") as HTMLInputElement;
    fireEvent.change(source, { target: { value: "/data/bad.csv" } });
    fireEvent.change(screen.getByPlaceholderText("label"), { target: { value: "target" } });
    fireEvent.click(screen.getByTestId("import-submit"));

    expect(importDataset).toHaveBeenCalledTimes(1);
    expect(importDataset.mock.calls[0]![0]).toMatchObject({ source: "/data/bad.csv", labelCol: "target" });
    act(() => progress!({ stage: "hashing", done: 40, total: 100 }));
    const bar = screen.getByTestId("import-progress");
    expect(bar.textContent).toContain("Hashing");
    expect(bar.textContent).toContain("40 / 100");
    expect(bar.getAttribute("aria-valuenow")).toBe("40");

    const message = 'label column "target" not found\navailable columns: id, y';
    await act(async () => d.reject({ code: "invalid_input", message }));

    expect(screen.getByTestId("import-error").textContent).toBe(message);
    expect((screen.getByTestId("import-source") as HTMLInputElement).value).toBe("/data/bad.csv");
    expect((screen.getByPlaceholderText("label") as HTMLInputElement).value).toBe("target");
    expect(screen.getByTestId("import-dialog")).toBeTruthy();
    expect(onImported).not.toHaveBeenCalled();
    expect((screen.getByTestId("import-submit") as HTMLButtonElement).disabled).toBe(false);
    // A project with labels never gets the "take every value" box.
    expect(screen.queryByTestId("import-labels-from-data")).toBeNull();
  });

  it("offers to take every value as a label after a first import into a label-less project is refused", async () => {
    const message = 'the label column "species" holds 1204 distinct values, and the project has no labels yet …';
    importDataset.mockRejectedValueOnce({ code: "invalid_input", message });
    const summary = { dataset: "big", version: 1, items: 5000, labeled: 5000, warnings: [], unchanged: false };
    importDataset.mockResolvedValueOnce(summary);
    const onImported = vi.fn();
    render(<ImportDialog onClose={() => {}} onImported={onImported} projectHasLabels={false} />);
    fireEvent.change(screen.getByTestId("import-source"), { target: { value: "/data/big.csv" } });
    expect(screen.queryByTestId("import-labels-from-data")).toBeNull();
    await act(async () => {
      fireEvent.click(screen.getByTestId("import-submit"));
    });
    expect(importDataset.mock.calls[0]![0].labelsFromData).toBeUndefined();
    expect(screen.getByTestId("import-error").textContent).toBe(message);
    const box = screen.getByTestId("import-labels-from-data") as HTMLInputElement;
    expect(box.checked).toBe(false);
    fireEvent.click(box);
    await act(async () => {
      fireEvent.click(screen.getByTestId("import-submit"));
    });
    expect(importDataset.mock.calls[1]![0]).toMatchObject({ source: "/data/big.csv", labelsFromData: true });
    expect(onImported).toHaveBeenCalledWith(summary);
  });

  it("does not offer it for a refusal of another kind, and drops it for another source", async () => {
    importDataset.mockRejectedValue({ code: "io", message: "/data/x.csv: Permission denied" });
    render(<ImportDialog onClose={() => {}} onImported={() => {}} projectHasLabels={false} />);
    fireEvent.change(screen.getByTestId("import-source"), { target: { value: "/data/x.csv" } });
    await act(async () => {
      fireEvent.click(screen.getByTestId("import-submit"));
    });
    expect(screen.queryByTestId("import-labels-from-data")).toBeNull();
    importDataset.mockRejectedValue({ code: "invalid_input", message: "…" });
    await act(async () => {
      fireEvent.click(screen.getByTestId("import-submit"));
    });
    expect(screen.getByTestId("import-labels-from-data")).toBeTruthy();
    fireEvent.change(screen.getByTestId("import-source"), { target: { value: "/data/y.csv" } });
    expect(screen.queryByTestId("import-labels-from-data")).toBeNull();
  });

  it("reports success with the summary", async () => {
    const summary = { dataset: "x", version: 2, items: 10, labeled: 5, warnings: [], unchanged: false };
    importDataset.mockResolvedValue(summary);
    const onImported = vi.fn();
    render(<ImportDialog onClose={() => {}} onImported={onImported} />);
    fireEvent.change(screen.getByTestId("import-source"), { target: { value: "/data/x.csv" } });
    await act(async () => {
      fireEvent.click(screen.getByTestId("import-submit"));
    });
    expect(onImported).toHaveBeenCalledWith(summary);
  });

  it("does not submit without a source and fills it from the file picker", async () => {
    pickFile.mockResolvedValue("/picked/file.parquet");
    render(<ImportDialog onClose={() => {}} onImported={() => {}} />);
    expect((screen.getByTestId("import-submit") as HTMLButtonElement).disabled).toBe(true);
    await act(async () => {
      fireEvent.click(screen.getByText("Choose file…"));
    });
    expect(pickFile).toHaveBeenCalledWith(expect.any(String), "manifest");
    expect((screen.getByTestId("import-source") as HTMLInputElement).value).toBe("/picked/file.parquet");
    expect((screen.getByTestId("import-submit") as HTMLButtonElement).disabled).toBe(false);
  });
});
