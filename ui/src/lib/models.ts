import type { AddModelRequest } from "../bindings/AddModelRequest";
import type { Color } from "../bindings/Color";
import type { Decode } from "../bindings/Decode";
import type { Layout } from "../bindings/Layout";
import type { OutputChoice } from "../bindings/OutputChoice";
import type { ModelDto } from "../bindings/ModelDto";
import type { Precision } from "../bindings/Precision";

/** `NAME@VERSION`, as runs and `RunRequest` name models. */
export function modelRef(m: Pick<ModelDto, "name" | "version">): string {
  return `${m.name}@${m.version}`;
}

/** A tensor shape with dynamic (-1) dimensions shown as "N" (the batch axis, first) or "?". */
export function formatShape(shape: number[]): string {
  if (shape.length === 0) return "scalar";
  return shape.map((d, i) => (d < 0 ? (i === 0 ? "N" : "?") : String(d))).join(" × ");
}

export function shortHash(sha256: string): string {
  return sha256.slice(0, 12);
}

const CLASS_SOURCES: Record<string, string> = {
  labels_file: "from the labels file",
  model_metadata: "from the model's metadata",
  model_graph: "from the model graph",
  project_schema: "from the project's labels",
};

const PRECISIONS: Record<Precision, { label: string; about: string }> = {
  fp32: { label: "fp32", about: "32-bit floating point" },
  fp16: { label: "fp16", about: "16-bit floating point weights (float16)" },
  int8_qdq: {
    label: "int8 QDQ",
    about: "8-bit integer, QDQ format: QuantizeLinear/DequantizeLinear around float operators",
  },
  int8_qoperator: {
    label: "int8 QOperator",
    about: "8-bit integer, QOperator format: quantized operators (QLinearConv, QGemm, MatMulInteger…)",
  },
  mixed: { label: "mixed", about: "more than one precision in the graph (e.g. float16 weights in a quantized graph)" },
};

/** A model's precision for people ("int8 QDQ") and what it means; null: not known. */
export function precisionText(p: Precision | null): { label: string; about: string } | null {
  return p === null ? null : PRECISIONS[p];
}

export function classesSourceText(source: string): string {
  return CLASS_SOURCES[source] ?? source.replace(/_/g, " ");
}

/** A float32 value without its binary noise: 0.48500001430511475 -> "0.485". */
export function formatFloat(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return String(Number(v.toPrecision(7)));
}

export function formatFloatList(v: number[] | null): string {
  return v ? v.map(formatFloat).join(", ") : "";
}

/** Form state of the Add-model dialog; every field is text, empty = from the model. */
export interface AddModelForm {
  file: string;
  name: string;
  labelsFile: string;
  /** A token model's tokenizer.json; "" = the tokenizer.json beside the model file. */
  tokenizer: string;
  size: string;
  layout: string;
  color: string;
  scale: string;
  mean: string;
  std: string;
  /** "" (auto-detect), "logits" or "probabilities". */
  output: string;
  /** "" (full, the default) or "fast": big JPEGs decoded at a reduced DCT scale. */
  decode: string;
}

export const EMPTY_ADD_MODEL_FORM: AddModelForm = {
  file: "",
  name: "",
  labelsFile: "",
  tokenizer: "",
  size: "",
  layout: "",
  color: "",
  scale: "",
  mean: "",
  std: "",
  output: "",
  decode: "",
};

export const LAYOUTS: readonly Layout[] = ["nchw", "nhwc"];
export const COLORS: readonly Color[] = ["rgb", "bgr", "gray"];
/** The explicit choices; a blank form value is `auto` (sent as null). */
export const OUTPUT_KINDS: readonly OutputChoice[] = ["logits", "probabilities"];
export const DECODES: readonly Decode[] = ["full", "fast"];

/** The option `text` names (trimmed); null for a blank, which means "from the model". */
function choice<T extends string>(options: readonly T[], text: string): T | null {
  const t = text.trim();
  return options.find((o) => o === t) ?? null;
}

/** Where a registered model came from, as remembered by this app (the backend does not say). */
export interface ModelSource {
  file: string;
  labelsFile: string | null;
  /** The tokenizer.json chosen for a token model (absent: the one beside the model). */
  tokenizer?: string | null;
}

/**
 * The form for registering a new version of `model` with edited preprocessing: its name and its
 * current preprocessing filled in. The file must be given again unless `source` knows it.
 */
export function formFromModel(model: ModelDto, source: ModelSource | null = null): AddModelForm {
  const p = model.preprocess;
  return {
    file: source?.file ?? "",
    name: model.name,
    labelsFile: source?.labelsFile ?? "",
    tokenizer: source?.tokenizer ?? "",
    size: p.width !== null && p.height !== null ? `${p.width}x${p.height}` : "",
    layout: p.layout ?? "",
    color: p.color ?? "",
    scale: p.scale === null ? "" : formatFloat(p.scale),
    mean: formatFloatList(p.mean),
    std: formatFloatList(p.std),
    output: OUTPUT_KINDS.find((o) => o === model.outputKind) ?? "",
    decode: p.decode === "fast" ? "fast" : "",
  };
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Parses one number, or a fraction such as "1/255"; `undefined` when it is not one. */
export function parseNumber(text: string): number | undefined {
  const t = text.trim();
  const slash = t.indexOf("/");
  if (slash > 0) {
    if (t.indexOf("/", slash + 1) >= 0) return undefined;
    const a = parseNumber(t.slice(0, slash));
    const b = parseNumber(t.slice(slash + 1));
    return a === undefined || b === undefined || b === 0 ? undefined : a / b;
  }
  if (!NUMBER.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** "0.485, 0.456 0.406" -> [0.485, 0.456, 0.406]; commas and/or spaces separate; empty -> null. */
export function parseNumberList(text: string): ParseResult<number[] | null> {
  const parts = text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (parts.length === 0) return { ok: true, value: null };
  const out: number[] = [];
  for (const part of parts) {
    const n = parseNumber(part);
    if (n === undefined) return { ok: false, error: `"${part}" is not a number` };
    out.push(n);
  }
  return { ok: true, value: out };
}

/** "224x224", "224 × 224" -> "224x224"; empty -> null. */
export function parseSize(text: string): ParseResult<string | null> {
  const t = text.trim();
  if (t === "") return { ok: true, value: null };
  const m = /^(\d+)\s*[x×X*]\s*(\d+)$/.exec(t);
  if (!m || Number(m[1]) === 0 || Number(m[2]) === 0) {
    return { ok: false, error: "Use WIDTHxHEIGHT, e.g. 224x224" };
  }
  return { ok: true, value: `${Number(m[1])}x${Number(m[2])}` };
}

export type AddModelErrors = Partial<Record<keyof AddModelForm, string>>;

export type BuildResult<T, E> = { ok: true; request: T } | { ok: false; errors: E };

/** Form -> AddModelRequest: blanks become null (= from the model); numbers are validated. */
export function buildAddModelRequest(form: AddModelForm): BuildResult<AddModelRequest, AddModelErrors> {
  const errors: AddModelErrors = {};
  const opt = (s: string) => (s.trim() === "" ? null : s.trim());

  if (form.file.trim() === "") errors.file = "Choose the model's .onnx file";

  const size = parseSize(form.size);
  if (!size.ok) errors.size = size.error;

  let scale: number | null = null;
  if (form.scale.trim() !== "") {
    const n = parseNumber(form.scale);
    if (n === undefined) errors.scale = `"${form.scale.trim()}" is not a number`;
    else if (n <= 0) errors.scale = "Scale must be greater than 0";
    else scale = n;
  }

  const mean = parseNumberList(form.mean);
  if (!mean.ok) errors.mean = mean.error;

  const std = parseNumberList(form.std);
  if (!std.ok) errors.std = std.error;
  else if (std.value?.some((v) => v === 0)) errors.std = "A standard deviation cannot be 0";

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    request: {
      file: form.file.trim(),
      name: opt(form.name),
      labelsFile: opt(form.labelsFile),
      tokenizer: opt(form.tokenizer),
      size: size.ok ? size.value : null,
      layout: choice(LAYOUTS, form.layout),
      color: choice(COLORS, form.color),
      scale,
      mean: mean.ok ? mean.value : null,
      std: std.ok ? std.value : null,
      output: choice(OUTPUT_KINDS, form.output),
      decode: choice(DECODES, form.decode),
    },
  };
}

/** Whether `added` is an existing version (an identical registration changes nothing). */
export function isExistingModel(added: ModelDto, before: ModelDto[] | null): boolean {
  return !!before?.some((m) => m.id === added.id);
}

/** The file a model was registered from, if this app remembers it (by id, else by content). */
export function knownSource(
  model: ModelDto,
  models: ModelDto[] | null,
  sources: Record<string, ModelSource>,
): ModelSource | null {
  const own = sources[String(model.id)];
  if (own) return own;
  for (const m of models ?? []) {
    const s = sources[String(m.id)];
    if (s && m.sha256 === model.sha256) return { file: s.file, labelsFile: null };
  }
  return null;
}
