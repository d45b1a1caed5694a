import { describe, expect, it } from "vitest";
import type { ModelDto } from "../bindings/ModelDto";
import {
  precisionText,
  buildAddModelRequest,
  classesSourceText,
  EMPTY_ADD_MODEL_FORM,
  formatFloat,
  formatShape,
  formFromModel,
  isExistingModel,
  knownSource,
  modelRef,
  parseNumber,
  parseNumberList,
  parseSize,
  shortHash,
  type AddModelForm,
} from "./models";

const form = (over: Partial<AddModelForm>): AddModelForm => ({ ...EMPTY_ADD_MODEL_FORM, ...over });

function model(over: Partial<ModelDto> = {}): ModelDto {
  return {
    id: 2,
    name: "digits-cnn",
    version: 3,
    sha256: "ab".repeat(32),
    kind: "image",
    inputs: [{ name: "input", dtype: "float32", shape: [-1, 1, 28, 28] }],
    outputs: [{ name: "logits", dtype: "float32", shape: [-1, 10] }],
    classes: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
    classesSource: "labels_file",
    preprocess: {
      kind: "image",
      input: "input",
      width: 28,
      height: 28,
      layout: "nchw",
      color: "gray",
      dtype: "float32",
      scale: Math.fround(1 / 255),
      mean: [Math.fround(0.1307)],
      std: [Math.fround(0.3081)],
      decode: "fast",
      features: null,
      tokenizer: null,
    },
    outputName: "logits",
    outputKind: "logits",
    createdAt: "2025-06-10T12:00:00Z",
    importedFrom: null,
    precision: "fp32",
    ...over,
  };
}

describe("model display helpers", () => {
  it("names a model NAME@VERSION", () => {
    expect(modelRef(model())).toBe("digits-cnn@3");
  });

  it("shows dynamic dimensions as N (batch) or ?", () => {
    expect(formatShape([-1, 3, 224, 224])).toBe("N × 3 × 224 × 224");
    expect(formatShape([-1, -1])).toBe("N × ?");
    expect(formatShape([1, -1, 8])).toBe("1 × ? × 8");
    expect(formatShape([])).toBe("scalar");
  });

  it("shortens hashes and explains class sources", () => {
    expect(shortHash("0123456789abcdef0123")).toBe("0123456789ab");
    expect(classesSourceText("labels_file")).toBe("from the labels file");
    expect(classesSourceText("model_metadata")).toBe("from the model's metadata");
    expect(classesSourceText("something_new")).toBe("something new");
  });

  it("names each precision and says what it means", () => {
    expect(precisionText("int8_qdq")?.label).toBe("int8 QDQ");
    expect(precisionText("int8_qoperator")?.about).toContain("QLinearConv");
    expect(precisionText("fp16")?.label).toBe("fp16");
    expect(precisionText("mixed")?.label).toBe("mixed");
    expect(precisionText(null)).toBeNull();
  });

  it("prints float32 values without binary noise", () => {
    expect(formatFloat(Math.fround(0.485))).toBe("0.485");
    expect(formatFloat(Math.fround(1 / 255))).toBe("0.003921569");
    expect(formatFloat(2)).toBe("2");
  });
});

describe("parsing", () => {
  it("parses number lists separated by commas and/or spaces", () => {
    expect(parseNumberList("1,2,3")).toEqual({ ok: true, value: [1, 2, 3] });
    expect(parseNumberList(" 0.485, 0.456 0.406 ")).toEqual({ ok: true, value: [0.485, 0.456, 0.406] });
    expect(parseNumberList("-1.5e-2")).toEqual({ ok: true, value: [-0.015] });
    expect(parseNumberList("")).toEqual({ ok: true, value: null });
    expect(parseNumberList(" , ")).toEqual({ ok: true, value: null });
  });

  it("rejects anything that is not a number, naming it", () => {
    expect(parseNumberList("1,abc,3")).toEqual({ ok: false, error: '"abc" is not a number' });
    expect(parseNumberList("1,2x")).toEqual({ ok: false, error: '"2x" is not a number' });
    expect(parseNumberList("NaN")).toEqual({ ok: false, error: '"NaN" is not a number' });
    expect(parseNumberList("Infinity").ok).toBe(false);
  });

  it("accepts fractions such as 1/255", () => {
    expect(parseNumber("1/255")).toBeCloseTo(0.00392157, 7);
    expect(parseNumber("1/0")).toBeUndefined();
    expect(parseNumber("1/2/3")).toBeUndefined();
    expect(parseNumber("")).toBeUndefined();
  });

  it("parses WIDTHxHEIGHT sizes", () => {
    expect(parseSize("224x224")).toEqual({ ok: true, value: "224x224" });
    expect(parseSize(" 32 × 16 ")).toEqual({ ok: true, value: "32x16" });
    expect(parseSize("")).toEqual({ ok: true, value: null });
    expect(parseSize("224").ok).toBe(false);
    expect(parseSize("0x10").ok).toBe(false);
    expect(parseSize("axb").ok).toBe(false);
  });
});

describe("buildAddModelRequest", () => {
  it("turns empty fields into null (= from the model)", () => {
    expect(buildAddModelRequest(form({ file: " /m/net.onnx " }))).toEqual({
      ok: true,
      request: {
        file: "/m/net.onnx",
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
      },
    });
  });

  it("passes every override through, parsed", () => {
    const built = buildAddModelRequest({
      file: "/m/net.onnx",
      name: " net ",
      labelsFile: "/m/labels.txt",
      tokenizer: " /m/tokenizer.json ",
      size: "224 x 224",
      layout: "nhwc",
      color: "bgr",
      scale: "1/255",
      mean: "0.485, 0.456, 0.406",
      std: "0.229,0.224,0.225",
      output: "probabilities",
      decode: "fast",
    });
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(built.request).toMatchObject({
      file: "/m/net.onnx",
      name: "net",
      labelsFile: "/m/labels.txt",
      tokenizer: "/m/tokenizer.json",
      size: "224x224",
      layout: "nhwc",
      color: "bgr",
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      output: "probabilities",
      decode: "fast",
    });
    expect(built.request.scale).toBeCloseTo(1 / 255, 10);
  });

  it("reports every invalid field and does not build a request", () => {
    const built = buildAddModelRequest(form({ size: "big", scale: "x", mean: "0.5, abc", std: "1, 0" }));
    expect(built).toEqual({
      ok: false,
      errors: {
        file: "Choose the model's .onnx file",
        size: "Use WIDTHxHEIGHT, e.g. 224x224",
        scale: '"x" is not a number',
        mean: '"abc" is not a number',
        std: "A standard deviation cannot be 0",
      },
    });
    expect(buildAddModelRequest(form({ file: "/m.onnx", scale: "-1" }))).toEqual({
      ok: false,
      errors: { scale: "Scale must be greater than 0" },
    });
  });
});

describe("formFromModel", () => {
  it("pre-fills the model's name and preprocessing; the file must be chosen again", () => {
    expect(formFromModel(model())).toEqual({
      file: "",
      name: "digits-cnn",
      labelsFile: "",
      tokenizer: "",
      size: "28x28",
      layout: "nchw",
      color: "gray",
      scale: "0.003921569",
      mean: "0.1307",
      std: "0.3081",
      output: "logits",
      decode: "fast",
    });
  });

  it("uses a remembered source file and labels file", () => {
    const f = formFromModel(model(), { file: "/m/cnn.onnx", labelsFile: "/m/digits.txt" });
    expect(f.file).toBe("/m/cnn.onnx");
    expect(f.labelsFile).toBe("/m/digits.txt");
    expect(f.tokenizer).toBe("");
    expect(formFromModel(model(), { file: "/m/bert.onnx", labelsFile: null, tokenizer: "/m/tok.json" }).tokenizer).toBe(
      "/m/tok.json",
    );
  });

  it("leaves image fields empty for tabular models and maps zipmap to auto-detect", () => {
    const tab = model({
      kind: "tabular",
      outputKind: "zipmap",
      preprocess: {
        kind: "tabular",
        input: "float_input",
        width: null,
        height: null,
        layout: null,
        color: null,
        dtype: "float32",
        scale: null,
        mean: null,
        std: null,
        decode: null,
        features: 64,
        tokenizer: null,
      },
    });
    expect(formFromModel(tab)).toEqual({ ...EMPTY_ADD_MODEL_FORM, name: "digits-cnn" });
  });

  it("round-trips through buildAddModelRequest", () => {
    const built = buildAddModelRequest({ ...formFromModel(model()), file: "/m/cnn.onnx" });
    expect(built.ok && built.request).toMatchObject({ name: "digits-cnn", size: "28x28", color: "gray", mean: [0.1307], decode: "fast" });
  });
});

describe("knownSource / isExistingModel", () => {
  it("finds the remembered file by model id, else by identical content", () => {
    const a = model({ id: 1 });
    const b = model({ id: 2 });
    const c = model({ id: 3, sha256: "cd".repeat(32) });
    const sources = { "1": { file: "/m/a.onnx", labelsFile: "/m/a.txt" } };
    expect(knownSource(a, [a, b, c], sources)).toEqual({ file: "/m/a.onnx", labelsFile: "/m/a.txt" });
    expect(knownSource(b, [a, b, c], sources)).toEqual({ file: "/m/a.onnx", labelsFile: null });
    expect(knownSource(c, [a, b, c], sources)).toBeNull();
  });

  it("tells an existing version from a new one", () => {
    expect(isExistingModel(model({ id: 2 }), [model({ id: 2 })])).toBe(true);
    expect(isExistingModel(model({ id: 9 }), [model({ id: 2 })])).toBe(false);
    expect(isExistingModel(model(), null)).toBe(false);
  });
});
