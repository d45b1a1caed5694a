import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ModelDto } from "../bindings/ModelDto";

const addModel = vi.fn();
const pickFile = vi.fn();
vi.mock("../ipc", () => ({
  addModel: (...a: unknown[]) => addModel(...a),
  pickFile: (...a: unknown[]) => pickFile(...a),
}));

const { AddModelDialog } = await import("./AddModelDialog");

const MODEL: ModelDto = {
  id: 4,
  name: "pets",
  version: 2,
  sha256: "f".repeat(64),
  kind: "image",
  inputs: [{ name: "input", dtype: "float32", shape: [-1, 3, 224, 224] }],
  outputs: [{ name: "logits", dtype: "float32", shape: [-1, 4] }],
  classes: ["cat", "dog", "bird", "frog"],
  classesSource: "labels_file",
  preprocess: {
    kind: "image",
    input: "input",
    width: 224,
    height: 224,
    layout: "nchw",
    color: "rgb",
    dtype: "float32",
    scale: Math.fround(1 / 255),
    mean: [0.5, 0.5, 0.5],
    std: [0.25, 0.25, 0.25],
    decode: "full",
    features: null,
    tokenizer: null,
  },
  outputName: "logits",
  outputKind: "logits",
  createdAt: "2025-06-10T12:00:00Z",
  importedFrom: null,
  precision: "fp32",
};

const value = (id: string) => (screen.getByTestId(id) as HTMLInputElement).value;

beforeEach(() => {
  addModel.mockReset();
  pickFile.mockReset();
});
afterEach(cleanup);

describe("AddModelDialog", () => {
  it("fills the file from the native dialog (kind model) and sends nulls for empty fields", async () => {
    pickFile.mockResolvedValue("/models/net.onnx");
    addModel.mockResolvedValue(MODEL);
    const onAdded = vi.fn();
    render(<AddModelDialog onClose={() => {}} onAdded={onAdded} />);
    await act(async () => {
      fireEvent.click(screen.getAllByText("Choose…")[0]!);
    });
    expect(pickFile).toHaveBeenCalledWith(expect.any(String), "model");
    expect(value("model-file")).toBe("/models/net.onnx");
    await act(async () => {
      fireEvent.click(screen.getByTestId("add-model-submit"));
    });
    const request = {
      file: "/models/net.onnx",
      name: null,
      labelsFile: null,
      tokenizer: null,
      size: null,
      layout: null,
      color: null,
      scale: null,
      mean: null,
      std: null,
      output: null,
      decode: null,
    };
    expect(addModel).toHaveBeenCalledWith(request);
    expect(onAdded).toHaveBeenCalledWith(MODEL, request);
  });

  it("sends the tokenizer chosen in the native dialog (kind tokenizer), and null once it is cleared", async () => {
    pickFile.mockResolvedValue("/models/bert/tok.json");
    addModel.mockRejectedValueOnce({ code: "not_found", message: "/models/bert/tok.json: no such file" });
    render(<AddModelDialog onClose={() => {}} onAdded={() => {}} />);
    expect(screen.getByText(/tokenizer\.json/, { selector: "code" })).toBeTruthy();
    fireEvent.change(screen.getByTestId("model-file"), { target: { value: "/models/bert/model.onnx" } });
    await act(async () => {
      fireEvent.click(screen.getByTestId("model-choose-tokenizer"));
    });
    expect(pickFile).toHaveBeenCalledWith(expect.stringContaining("tokenizer.json"), "tokenizer");
    expect(value("model-tokenizer")).toBe("/models/bert/tok.json");
    await act(async () => {
      fireEvent.click(screen.getByTestId("add-model-submit"));
    });
    expect(addModel.mock.calls[0]![0]).toMatchObject({ file: "/models/bert/model.onnx", tokenizer: "/models/bert/tok.json" });
    // The backend's refusal is shown as any other.
    expect(screen.getByTestId("add-model-error").textContent).toBe("/models/bert/tok.json: no such file");
    // Cleared (spaces only): null, the tokenizer.json beside the model.
    const message =
      "the model takes token ids (input_ids) but there is no tokenizer: /models/bert/tokenizer.json does not exist. Put the tokenizer.json saved with the model beside it, or name the tokenizer file (--tokenizer FILE; in the app, the Add model dialog's Tokenizer field); nothing was registered";
    addModel.mockRejectedValueOnce({ code: "invalid_input", message });
    fireEvent.change(screen.getByTestId("model-tokenizer"), { target: { value: "  " } });
    await act(async () => {
      fireEvent.click(screen.getByTestId("add-model-submit"));
    });
    expect(addModel.mock.calls[1]![0]).toMatchObject({ tokenizer: null });
    expect(screen.getByTestId("add-model-error").textContent).toBe(message);
    expect(value("model-file")).toBe("/models/bert/model.onnx");
  });

  it("shows validation errors next to the fields without calling the backend", async () => {
    render(<AddModelDialog onClose={() => {}} onAdded={() => {}} />);
    fireEvent.change(screen.getByTestId("model-file"), { target: { value: "/m.onnx" } });
    fireEvent.change(screen.getByTestId("model-mean"), { target: { value: "0.5, abc" } });
    await act(async () => {
      fireEvent.click(screen.getByTestId("add-model-submit"));
    });
    expect(addModel).not.toHaveBeenCalled();
    expect(screen.getByText('"abc" is not a number')).toBeTruthy();
    expect((screen.getByTestId("model-advanced") as HTMLDetailsElement).open).toBe(true);
  });

  it("shows the backend's error verbatim and keeps the form", async () => {
    const message = "the ONNX Runtime 1.22.0 library was not found (looked at: …). Run ./scripts/setup.sh";
    addModel.mockRejectedValue({ code: "runtime", message });
    render(<AddModelDialog onClose={() => {}} onAdded={() => {}} />);
    fireEvent.change(screen.getByTestId("model-file"), { target: { value: "/m/net.onnx" } });
    await act(async () => {
      fireEvent.click(screen.getByTestId("add-model-submit"));
    });
    expect(screen.getByTestId("add-model-error").textContent).toBe(message);
    expect(screen.getByText(/ONNX Runtime cannot be used/)).toBeTruthy();
    expect(value("model-file")).toBe("/m/net.onnx");
    expect((screen.getByTestId("add-model-submit") as HTMLButtonElement).disabled).toBe(false);
  });

  it("edits preprocessing: pre-filled from the model, asks for the file, saves a new version", async () => {
    addModel.mockResolvedValue({ ...MODEL, id: 5, version: 3 });
    render(<AddModelDialog edit={{ model: MODEL, source: null }} onClose={() => {}} onAdded={() => {}} />);
    expect(value("model-name")).toBe("pets");
    expect(value("model-size")).toBe("224x224");
    expect(value("model-layout")).toBe("nchw");
    expect(value("model-color")).toBe("rgb");
    expect(value("model-scale")).toBe("0.003921569");
    expect(value("model-mean")).toBe("0.5, 0.5, 0.5");
    expect(value("model-std")).toBe("0.25, 0.25, 0.25");
    expect(value("model-output")).toBe("logits");
    expect(value("model-decode")).toBe("");
    expect(value("model-file")).toBe("");
    expect(screen.getByText(/choose it again to keep them/)).toBeTruthy();

    await act(async () => {
      fireEvent.click(screen.getByTestId("add-model-submit"));
    });
    expect(addModel).not.toHaveBeenCalled();
    expect(screen.getByText("Choose the model's .onnx file")).toBeTruthy();

    fireEvent.change(screen.getByTestId("model-file"), { target: { value: "/m/pets.onnx" } });
    fireEvent.change(screen.getByTestId("model-size"), { target: { value: "256x256" } });
    fireEvent.change(screen.getByTestId("model-decode"), { target: { value: "fast" } });
    await act(async () => {
      fireEvent.click(screen.getByTestId("add-model-submit"));
    });
    expect(addModel.mock.calls[0]![0]).toMatchObject({
      file: "/m/pets.onnx",
      name: "pets",
      size: "256x256",
      layout: "nchw",
      color: "rgb",
      mean: [0.5, 0.5, 0.5],
      std: [0.25, 0.25, 0.25],
      output: "logits",
      decode: "fast",
    });
  });

  it("drops the backend's error once the form is edited (a new path is being typed)", async () => {
    addModel.mockRejectedValueOnce({ code: "not_found", message: "/models/nett.onnx: no such file" });
    render(<AddModelDialog onClose={() => {}} onAdded={() => {}} />);
    fireEvent.change(screen.getByTestId("model-file"), { target: { value: "/models/nett.onnx" } });
    await act(async () => {
      fireEvent.click(screen.getByTestId("add-model-submit"));
    });
    expect(screen.getByTestId("add-model-error").textContent).toContain("no such file");
    fireEvent.change(screen.getByTestId("model-file"), { target: { value: "/models/net.onnx" } });
    expect(screen.queryByTestId("add-model-error")).toBeNull();
    // And after a file is chosen in the native dialog.
    addModel.mockRejectedValueOnce({ code: "invalid_input", message: "not an ONNX model" });
    await act(async () => {
      fireEvent.click(screen.getByTestId("add-model-submit"));
    });
    expect(screen.getByTestId("add-model-error").textContent).toContain("not an ONNX model");
    pickFile.mockResolvedValue("/models/other.onnx");
    await act(async () => {
      fireEvent.click(screen.getAllByText("Choose…")[0]!);
    });
    expect(screen.queryByTestId("add-model-error")).toBeNull();
  });
});
