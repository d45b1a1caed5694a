import { useState, type FormEvent, type ReactNode } from "react";
import type { AddModelRequest } from "../bindings/AddModelRequest";
import type { ModelDto } from "../bindings/ModelDto";
import * as ipc from "../ipc";
import { codeTitle, normaliseError } from "../lib/ipcError";
import {
  buildAddModelRequest,
  COLORS,
  DECODES,
  EMPTY_ADD_MODEL_FORM,
  formFromModel,
  LAYOUTS,
  modelRef,
  OUTPUT_KINDS,
  shortHash,
  type AddModelErrors,
  type AddModelForm,
  type ModelSource,
} from "../lib/models";
import { useReportError } from "./ErrorBanner";
import { Modal } from "./Modal";
import { PathField } from "./PathField";

interface Props {
  /** Register a new version of this model with edited preprocessing (pre-filled); else add one. */
  edit?: { model: ModelDto; source: ModelSource | null } | null;
  onClose: () => void;
  onAdded: (model: ModelDto, request: AddModelRequest) => void;
}

const COLOR_TEXT: Record<string, string> = { rgb: "RGB", bgr: "BGR", gray: "Grayscale" };

/** The native file pickers of the dialog's path fields: title, file kind, what failed. */
const PICKERS = {
  file: { title: "Choose an ONNX model", kind: "model", what: "Choosing the model" },
  labelsFile: { title: "Choose a labels file (one class per line, or JSON)", kind: "labels", what: "Choosing the labels file" },
  tokenizer: { title: "Choose the model's tokenizer (tokenizer.json)", kind: "tokenizer", what: "Choosing the tokenizer" },
} as const satisfies Record<string, { title: string; kind: ipc.FileKind; what: string }>;
const LAYOUT_TEXT: Record<string, string> = { nchw: "NCHW", nhwc: "NHWC" };

export function AddModelDialog({ edit = null, onClose, onAdded }: Props) {
  const report = useReportError();
  const [form, setForm] = useState<AddModelForm>(() =>
    edit ? formFromModel(edit.model, edit.source) : EMPTY_ADD_MODEL_FORM,
  );
  const [errors, setErrors] = useState<AddModelErrors>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ title: string; message: string } | null>(null);
  const [advancedOpen, setAdvancedOpen] = useState(!!edit);

  const set = (key: keyof AddModelForm) => (e: { target: { value: string } }) => {
    setForm((f) => ({ ...f, [key]: e.target.value }));
    setErrors((errs) => ({ ...errs, [key]: undefined }));
    // The backend's refusal was about the form as it was sent; an edit makes it stale.
    setError(null);
  };

  const choose = async (key: keyof typeof PICKERS) => {
    const picker = PICKERS[key];
    try {
      const path = await ipc.pickFile(picker.title, picker.kind);
      if (path) {
        setForm((f) => ({ ...f, [key]: path }));
        setErrors((errs) => ({ ...errs, [key]: undefined }));
        setError(null);
      }
    } catch (err) {
      report(err, picker.what);
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const built = buildAddModelRequest(form);
    if (!built.ok) {
      setErrors(built.errors);
      if (Object.keys(built.errors).some((k) => k !== "file" && k !== "name" && k !== "labelsFile")) setAdvancedOpen(true);
      return;
    }
    setErrors({});
    setBusy(true);
    setError(null);
    try {
      const model = await ipc.addModel(built.request);
      onAdded(model, built.request);
    } catch (err) {
      const ipcErr = normaliseError(err);
      setError({ title: `Could not add the model — ${codeTitle(ipcErr.code)}`, message: ipcErr.message });
      setBusy(false);
    }
  };

  const model = edit?.model ?? null;
  const title = model ? `Edit preprocessing — ${modelRef(model)}` : "Add model";

  return (
    <Modal title={title} onClose={onClose} closable={!busy} testId="add-model-dialog" width={600}>
      <form className="form" onSubmit={submit} noValidate>
        {model && (
          <p className="dialog-intro muted">
            Saving registers a <strong>new version</strong> of <strong>{model.name}</strong> with these settings; version{" "}
            {model.version} and its runs stay as they are.
          </p>
        )}

        <PathField
          id="model-file"
          testId="model-file"
          label={
            <>
              Model file <span className="muted">(.onnx)</span>
            </>
          }
          value={form.file}
          onChange={set("file")}
          onChoose={() => choose("file")}
          placeholder="/path/to/model.onnx"
          disabled={busy}
          invalid={!!errors.file}
        >
          {errors.file && <span className="field-error">{errors.file}</span>}
          {model && !edit?.source && (
            <span className="field-hint">
              The project keeps its own copy of the model; choose the same .onnx file again (SHA-256{" "}
              <span className="mono">{shortHash(model.sha256)}…</span>).
            </span>
          )}
        </PathField>

        <label className="field">
          <span className="field-label">
            Name <span className="muted">{model ? "" : "(optional — defaults to the file name)"}</span>
          </span>
          <input
            type="text"
            data-testid="model-name"
            value={form.name}
            onChange={set("name")}
            disabled={busy}
            autoComplete="off"
            spellCheck={false}
          />
        </label>

        <PathField
          id="model-labels"
          testId="model-labels"
          label={
            <>
              Labels file <span className="muted">(optional — class names, one per line, or JSON)</span>
            </>
          }
          value={form.labelsFile}
          onChange={set("labelsFile")}
          onChoose={() => choose("labelsFile")}
          placeholder="empty = from the model's metadata, or the project's labels"
          disabled={busy}
        >
          {model && model.classesSource === "labels_file" && !edit?.source?.labelsFile && (
            <span className="field-hint">
              This model's class names came from a labels file; choose it again to keep them.
            </span>
          )}
        </PathField>

        <PathField
          id="model-tokenizer"
          testId="model-tokenizer"
          chooseTestId="model-choose-tokenizer"
          label={
            <>
              Tokenizer <span className="muted">(optional — tokenizer.json, for text models that take tokens)</span>
            </>
          }
          value={form.tokenizer}
          onChange={set("tokenizer")}
          onChoose={() => choose("tokenizer")}
          placeholder="empty = the tokenizer.json beside the model file"
          disabled={busy}
        >
          <span className="field-hint">
            By default the <code>tokenizer.json</code> in the model file&apos;s folder is used; image, tabular and
            string-input text models need none.
          </span>
        </PathField>

        <details
          className="disclosure"
          data-testid="model-advanced"
          open={advancedOpen}
          onToggle={(e) => setAdvancedOpen(e.currentTarget.open)}
        >
          <summary>Advanced — preprocessing and output</summary>
          <p className="field-hint">Leave a field empty to take it from the model.</p>
          <fieldset className="field-grid model-grid" disabled={busy}>
            <Field label="Input size" hint="W × H" error={errors.size}>
              <input
                type="text"
                data-testid="model-size"
                value={form.size}
                onChange={set("size")}
                placeholder="e.g. 224x224"
                autoComplete="off"
                spellCheck={false}
                aria-invalid={!!errors.size}
              />
            </Field>
            <Field label="Layout">
              <select data-testid="model-layout" value={form.layout} onChange={set("layout")}>
                <option value="">From the model</option>
                {LAYOUTS.map((l) => (
                  <option key={l} value={l}>
                    {LAYOUT_TEXT[l]}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Colour">
              <select data-testid="model-color" value={form.color} onChange={set("color")}>
                <option value="">From the model</option>
                {COLORS.map((c) => (
                  <option key={c} value={c}>
                    {COLOR_TEXT[c]}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Scale" hint="pixel × scale" error={errors.scale}>
              <input
                type="text"
                data-testid="model-scale"
                value={form.scale}
                onChange={set("scale")}
                placeholder="e.g. 1/255"
                autoComplete="off"
                spellCheck={false}
                aria-invalid={!!errors.scale}
              />
            </Field>
            <Field label="Mean" hint="per channel" error={errors.mean}>
              <input
                type="text"
                data-testid="model-mean"
                value={form.mean}
                onChange={set("mean")}
                placeholder="e.g. 0.485, 0.456, 0.406"
                autoComplete="off"
                spellCheck={false}
                aria-invalid={!!errors.mean}
              />
            </Field>
            <Field label="Std" hint="per channel" error={errors.std}>
              <input
                type="text"
                data-testid="model-std"
                value={form.std}
                onChange={set("std")}
                placeholder="e.g. 0.229, 0.224, 0.225"
                autoComplete="off"
                spellCheck={false}
                aria-invalid={!!errors.std}
              />
            </Field>
            <Field label="Output">
              <select data-testid="model-output" value={form.output} onChange={set("output")}>
                <option value="">Auto-detect</option>
                {OUTPUT_KINDS.map((o) => (
                  <option key={o} value={o}>
                    {o === "logits" ? "Logits" : "Probabilities"}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="JPEG decoding" hint="big photos">
              <select data-testid="model-decode" value={form.decode} onChange={set("decode")}>
                <option value="">Full size (default)</option>
                {DECODES.filter((d) => d !== "full").map((d) => (
                  <option key={d} value={d}>
                    Fast — reduced scale, not below the input size
                  </option>
                ))}
              </select>
            </Field>
          </fieldset>
        </details>

        {busy && (
          <div className="progress" role="status">
            <div className="progress-text">
              <span>Loading the model…</span>
            </div>
            <div className="progress-track indeterminate">
              <div className="progress-fill" />
            </div>
          </div>
        )}

        {error && (
          <div className="form-error" role="alert">
            <strong>{error.title}</strong>
            <pre className="error-message" data-testid="add-model-error">
              {error.message}
            </pre>
          </div>
        )}

        <div className="form-actions">
          <button type="button" className="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="button primary" data-testid="add-model-submit" disabled={busy}>
            {busy ? "Adding…" : model ? "Save as new version" : "Add model"}
          </button>
        </div>
      </form>
    </Modal>
  );
}

function Field({ label, hint, error, children }: { label: string; hint?: string; error?: string; children: ReactNode }) {
  return (
    <label className="field">
      <span className="field-sub">
        {label}
        {hint && <span className="faint"> · {hint}</span>}
      </span>
      {children}
      {error && <span className="field-error">{error}</span>}
    </label>
  );
}
