import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { ModelDto } from "../bindings/ModelDto";
import { GPU_SETTINGS_KEY } from "../lib/runs";
import { ModelDetails } from "./ModelDetails";

const MODEL: ModelDto = {
  id: 1,
  name: "digits-cnn",
  version: 2,
  sha256: "ab".repeat(32),
  kind: "tabular",
  inputs: [{ name: "x", dtype: "float32", shape: [-1, 4] }],
  outputs: [{ name: "logits", dtype: "float32", shape: [-1, 2] }],
  classes: ["a", "b"],
  classesSource: "model_metadata",
  precision: "fp32",
  preprocess: {
    kind: "tabular",
    input: "x",
    width: null,
    height: null,
    layout: null,
    color: null,
    dtype: "float32",
    scale: null,
    mean: null,
    std: null,
    decode: null,
    features: 4,
    tokenizer: null,
  },
  outputName: "logits",
  outputKind: "logits",
  createdAt: "2026-01-01T00:00:00Z",
  importedFrom: null,
};

afterEach(() => {
  cleanup();
  localStorage.clear();
});

describe("ModelDetails", () => {
  it("shows the GPU settings last used for the model on this computer, or the defaults", () => {
    render(<ModelDetails model={MODEL} onClose={() => {}} onEdit={() => {}} onRun={() => {}} />);
    expect(screen.getByTestId("model-gpu-settings").textContent).toBe(
      "GPU 0 · no memory limit · cuDNN search exhaustive (defaults; set them in Run model)",
    );
    cleanup();
    localStorage.setItem(
      GPU_SETTINGS_KEY,
      JSON.stringify({ "digits-cnn": { cudaDevice: "1", gpuMemLimit: "4GiB", convSearch: "heuristic" } }),
    );
    render(<ModelDetails model={MODEL} onClose={() => {}} onEdit={() => {}} onRun={() => {}} />);
    expect(screen.getByTestId("model-gpu-settings").textContent).toBe(
      "GPU 1 · memory limit 4GiB · cuDNN search heuristic (last used on this computer; set them in Run model)",
    );
  });
});
