import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { LabelStudioImportedDto } from "../bindings/LabelStudioImportedDto";

const importLabelStudio = vi.fn();
const pickFile = vi.fn();
const pickFolder = vi.fn();
vi.mock("../ipc", () => ({
  importLabelStudio: (...a: unknown[]) => importLabelStudio(...a),
  pickFile: (...a: unknown[]) => pickFile(...a),
  pickFolder: (...a: unknown[]) => pickFolder(...a),
}));

const { ImportLabelStudioDialog, labelStudioText } = await import("./ImportLabelStudioDialog");

afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

const DONE: LabelStudioImportedDto = {
  dataset: "pets",
  version: 1,
  items: 1200,
  labels: ["cat", "dog"],
  annotators: ["ana@example.com", "ben@example.com"],
  annotatorsAdded: ["ben@example.com"],
  annotations: 2310,
  cancelled: ["task 7 annotation 12"],
  runs: [{ run: 4, model: "resnet-v2", modelVersion: 1, predictions: 1200 }],
  warnings: [],
};

describe("ImportLabelStudioDialog", () => {
  it("says what an import made", () => {
    expect(labelStudioText(DONE)).toBe(
      "pets@1: 1,200 items from Label Studio; 2,310 annotations by 2 annotators; run 4 (resnet-v2, 1,200 predictions); 1 cancelled annotation left out.",
    );
  });

  it("asks for the export, then imports it with the images folder and name given", async () => {
    importLabelStudio.mockResolvedValue(DONE);
    pickFile.mockResolvedValue("/exports/project-3.json");
    pickFolder.mockResolvedValue("/data/ls-files");
    const onImported = vi.fn();
    render(<ImportLabelStudioDialog onClose={() => {}} onImported={onImported} />);
    fireEvent.click(screen.getByTestId("labelstudio-submit"));
    expect(screen.getByText("Choose the export to import.")).toBeTruthy();
    expect(importLabelStudio).not.toHaveBeenCalled();
    await act(async () => fireEvent.click(screen.getByTestId("labelstudio-choose")));
    expect(pickFile).toHaveBeenCalledWith("Choose a Label Studio JSON export", "labelstudio");
    await act(async () => fireEvent.click(screen.getByTestId("labelstudio-choose-root")));
    fireEvent.change(screen.getByTestId("labelstudio-dataset"), { target: { value: " pets " } });
    await act(async () => fireEvent.click(screen.getByTestId("labelstudio-submit")));
    expect(importLabelStudio).toHaveBeenCalledWith({
      file: "/exports/project-3.json",
      dataset: "pets",
      imagesRoot: "/data/ls-files",
    });
    expect(onImported).toHaveBeenCalledWith(DONE);
  });

  it("shows a refusal with the task named and keeps the form", async () => {
    importLabelStudio.mockRejectedValue({
      code: "invalid_input",
      message: "/exports/p.json: invalid Label Studio export — 1 problem(s), nothing was imported:\n  task 5: data.text: a Text classification task",
    });
    render(<ImportLabelStudioDialog onClose={() => {}} onImported={() => {}} />);
    fireEvent.change(screen.getByTestId("labelstudio-file"), { target: { value: "/exports/p.json" } });
    await act(async () => fireEvent.click(screen.getByTestId("labelstudio-submit")));
    expect(screen.getByTestId("labelstudio-error").textContent).toContain("task 5: data.text");
    expect(screen.getByText(/Nothing was imported/)).toBeTruthy();
    expect((screen.getByTestId("labelstudio-submit") as HTMLButtonElement).disabled).toBe(false);
  });
});
