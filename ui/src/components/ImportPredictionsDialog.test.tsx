import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DatasetInfo } from "../bindings/DatasetInfo";
import type { PredictionsImportedDto } from "../bindings/PredictionsImportedDto";

const importPredictions = vi.fn();
const pickFile = vi.fn();
vi.mock("../ipc", () => ({
  importPredictions: (...a: unknown[]) => importPredictions(...a),
  pickFile: (...a: unknown[]) => pickFile(...a),
}));

const { ImportPredictionsDialog, importedText, versionChoices } = await import("./ImportPredictionsDialog");

afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

const version = (id: number, v: number) => ({ id, version: v }) as unknown as DatasetInfo["versions"][number];
const DATASETS = [
  { name: "pets", versions: [version(7, 2), version(3, 1)] },
  { name: "wine", versions: [version(9, 1)] },
] as unknown as DatasetInfo[];

const DONE: PredictionsImportedDto = {
  run: 5,
  model: "resnet-torch",
  modelVersion: 1,
  dataset: "pets",
  datasetVersion: 1,
  rows: 1200,
  failed: 2,
  itemsWithout: 30,
  columns: "predicted_confidence",
  normalized: 0,
  ignoredColumns: ["score"],
};

describe("ImportPredictionsDialog", () => {
  it("lists every dataset version and says what an import made", () => {
    expect(versionChoices(DATASETS).map((c) => c.spec)).toEqual(["pets@2", "pets@1", "wine@1"]);
    expect(importedText(DONE)).toBe(
      "Run 5: 1,200 predictions of pets@1 as resnet-torch@1 (predicted class + confidence); 2 marked failed; 30 items without a prediction; not read: score.",
    );
  });

  it("asks for the file and the name, then imports into the grid's version by default", async () => {
    importPredictions.mockResolvedValue(DONE);
    pickFile.mockResolvedValue("/data/preds/resnet-torch.parquet");
    const onImported = vi.fn();
    render(<ImportPredictionsDialog datasets={DATASETS} versionId={3} onClose={() => {}} onImported={onImported} />);
    fireEvent.click(screen.getByTestId("predictions-submit"));
    expect(screen.getByText("Choose the file to import.")).toBeTruthy();
    expect(importPredictions).not.toHaveBeenCalled();
    await act(async () => fireEvent.click(screen.getByTestId("predictions-choose")));
    expect((screen.getByTestId("predictions-name") as HTMLInputElement).value).toBe("resnet-torch");
    fireEvent.change(screen.getByTestId("predictions-version"), { target: { value: " 2024.11 " } });
    await act(async () => fireEvent.click(screen.getByTestId("predictions-submit")));
    expect(importPredictions).toHaveBeenCalledWith({
      file: "/data/preds/resnet-torch.parquet",
      name: "resnet-torch",
      version: "2024.11",
      dataset: "pets@1",
      normalize: false,
    });
    expect(onImported).toHaveBeenCalledWith(DONE);
  });

  it("shows a refusal with the rows it names, and keeps the form", async () => {
    importPredictions.mockRejectedValue({ code: "invalid_input", message: "/p.csv: invalid predictions file — 1 problem(s)\n  row 2 (line 3): item \"x\" is not in pets@1" });
    render(<ImportPredictionsDialog datasets={DATASETS} versionId={null} onClose={() => {}} onImported={() => {}} />);
    fireEvent.change(screen.getByTestId("predictions-file"), { target: { value: "/p.csv" } });
    fireEvent.change(screen.getByTestId("predictions-name"), { target: { value: "m" } });
    fireEvent.click(screen.getByTestId("predictions-normalize"));
    await act(async () => fireEvent.click(screen.getByTestId("predictions-submit")));
    expect(importPredictions.mock.calls[0]?.[0]).toMatchObject({ dataset: "pets@2", normalize: true });
    expect(screen.getByTestId("predictions-error").textContent).toContain('row 2 (line 3): item "x" is not in pets@1');
    expect((screen.getByTestId("predictions-submit") as HTMLButtonElement).disabled).toBe(false);
  });
});
