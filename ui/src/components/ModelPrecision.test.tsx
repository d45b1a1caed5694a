import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { ModelDto } from "../bindings/ModelDto";
import { ModelDetails } from "./ModelDetails";
import { ModelList } from "./ModelList";

afterEach(cleanup);

const MODEL: ModelDto = {
  id: 7,
  name: "digits-int8",
  version: 1,
  sha256: "a".repeat(64),
  kind: "image",
  inputs: [{ name: "image", dtype: "float32", shape: [-1, 1, 8, 8] }],
  outputs: [{ name: "logits", dtype: "float32", shape: [-1, 10] }],
  classes: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
  classesSource: "model_metadata",
  preprocess: {
    kind: "image",
    input: "image",
    width: 8,
    height: 8,
    layout: "nchw",
    color: "gray",
    dtype: "float32",
    scale: 1 / 255,
    mean: [0],
    std: [1],
    decode: "full",
    features: null,
    tokenizer: null,
  },
  outputName: "logits",
  outputKind: "logits",
  createdAt: "2026-12-06T12:00:00Z",
  importedFrom: null,
  precision: "int8_qdq",
};

describe("model precision", () => {
  it("shows the precision and what it means in the model details", () => {
    render(<ModelDetails model={MODEL} onClose={() => {}} onEdit={() => {}} onRun={() => {}} />);
    const shown = screen.getByTestId("model-precision");
    expect(shown.textContent).toContain("int8 QDQ");
    expect(shown.textContent).toContain("QuantizeLinear/DequantizeLinear");
  });

  it("says a float16 input gets the float32 preprocessing rounded to float16", () => {
    const fp16: ModelDto = {
      ...MODEL,
      precision: "fp16",
      inputs: [{ name: "image", dtype: "float16", shape: [-1, 1, 8, 8] }],
    };
    render(<ModelDetails model={fp16} onClose={() => {}} onEdit={() => {}} onRun={() => {}} />);
    expect(screen.getByTestId("model-preprocess-type").textContent).toBe("float32, rounded to float16 when fed");
  });

  it("lists each model's precision; imported predictions have none", () => {
    const fp16: ModelDto = { ...MODEL, id: 8, name: "digits-fp16", precision: "fp16" };
    const imported: ModelDto = { ...MODEL, id: 9, name: "torch", precision: null, importedFrom: "torch.csv" };
    render(<ModelList models={[MODEL, fp16, imported]} onOpen={() => {}} />);
    const shown = screen.getAllByTestId("model-entry-precision").map((e) => e.textContent);
    expect(shown).toEqual([" · int8 QDQ", " · fp16"]);
  });

  it("shows no precision for imported predictions", () => {
    render(
      <ModelDetails
        model={{ ...MODEL, precision: null, importedFrom: "torch.csv" }}
        onClose={() => {}}
        onEdit={() => {}}
        onRun={() => {}}
      />,
    );
    expect(screen.queryByTestId("model-precision")).toBeNull();
  });
});
