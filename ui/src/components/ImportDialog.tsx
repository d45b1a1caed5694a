import { useState, type FormEvent } from "react";
import type { ImportProgress } from "../bindings/ImportProgress";
import type { ImportRequest } from "../bindings/ImportRequest";
import type { ImportSummary } from "../bindings/ImportSummary";
import * as ipc from "../ipc";
import { formatCount, splitList } from "../lib/format";
import { codeTitle, normaliseError } from "../lib/ipcError";
import { Modal } from "./Modal";
import { useReportError } from "./ErrorBanner";

const STAGE_TEXT: Record<ImportProgress["stage"], string> = {
  reading: "Reading",
  validating: "Validating",
  hashing: "Hashing",
  writing: "Writing",
  done: "Done",
};

export interface ImportForm {
  source: string;
  name: string;
  idCol: string;
  pathCol: string;
  labelCol: string;
  /** The column holding each item's text: the items are texts. */
  textCol: string;
  features: string;
}

export const EMPTY_IMPORT_FORM: ImportForm = {
  source: "",
  name: "",
  idCol: "",
  pathCol: "",
  labelCol: "",
  textCol: "",
  features: "",
};

/** What a source is: a manifest file, an image folder, or not known yet (empty, or unclear). */
export type SourceKind = "manifest" | "folder" | "unknown";

/** The manifest types the backend reads, by extension. */
const MANIFEST_EXTENSIONS = new Set(["csv", "tsv", "parquet", "pq", "jsonl", "ndjson"]);

/**
 * The kind of `source`: a folder when it is the folder chosen in the folder dialog, ends with a
 * separator or its last part has no extension; a manifest by its extension; else unknown.
 */
export function sourceKind(source: string, pickedFolder: string | null = null): SourceKind {
  const s = source.trim();
  if (s === "") return "unknown";
  if (pickedFolder !== null && s === pickedFolder.trim()) return "folder";
  if (/[\\/]$/.test(s)) return "folder";
  const last = s.split(/[\\/]/).pop() ?? "";
  const dot = last.lastIndexOf(".");
  if (dot <= 0) return "folder";
  return MANIFEST_EXTENSIONS.has(last.slice(dot + 1).toLowerCase()) ? "manifest" : "unknown";
}

/**
 * Form fields -> ImportRequest: blanks become null (backend defaults), features split on commas.
 * An image folder has no columns: those fields are not sent (the backend refuses them there).
 * `labelsFromData` is sent only when ticked.
 */
export function buildImportRequest(form: ImportForm, kind: SourceKind = "unknown", labelsFromData = false): ImportRequest {
  const opt = (s: string) => (s.trim() === "" ? null : s.trim());
  const column = (s: string) => (kind === "folder" ? null : opt(s));
  const features = kind === "folder" ? [] : splitList(form.features);
  const request: ImportRequest = {
    source: form.source.trim(),
    name: opt(form.name),
    idCol: column(form.idCol),
    pathCol: column(form.pathCol),
    labelCol: column(form.labelCol),
    features: features.length ? features : null,
  };
  const textCol = column(form.textCol);
  if (textCol !== null) request.textCol = textCol;
  if (labelsFromData) request.labelsFromData = true;
  return request;
}

interface Props {
  onClose: () => void;
  onImported: (summary: ImportSummary) => void;
  /**
   * Whether the project has labels yet. A project without any takes its labels from its first
   * labeled import — and the backend refuses more than 1,000 unless told to take them all.
   */
  projectHasLabels?: boolean;
}

export function ImportDialog({ onClose, onImported, projectHasLabels = true }: Props) {
  const report = useReportError();
  const [form, setForm] = useState<ImportForm>(EMPTY_IMPORT_FORM);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<ImportProgress | null>(null);
  const [error, setError] = useState<{ title: string; message: string } | null>(null);
  /** The folder last chosen in the folder dialog (a folder whatever its name looks like). */
  const [pickedFolder, setPickedFolder] = useState<string | null>(null);
  /**
   * "Take every value of the label column as a label": null until offered — after a first
   * import into a project without labels is refused as invalid input (the backend's message
   * says why; nothing here reads it) — then the box's state.
   */
  const [labelsFromData, setLabelsFromData] = useState<boolean | null>(null);
  const kind = sourceKind(form.source, pickedFolder);

  const set = (key: keyof ImportForm) => (e: { target: { value: string } }) => {
    setForm((f) => ({ ...f, [key]: e.target.value }));
    // Another source is another question.
    if (key === "source") setLabelsFromData(null);
  };

  const choose = async (what: "file" | "folder") => {
    try {
      const path =
        what === "file" ? await ipc.pickFile("Choose a data file", "manifest") : await ipc.pickFolder("Choose a data folder");
      if (path) {
        setForm((f) => ({ ...f, source: path }));
        setPickedFolder(what === "folder" ? path : null);
        setLabelsFromData(null);
      }
    } catch (err) {
      report(err, "Choosing the source");
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || form.source.trim() === "") return;
    setBusy(true);
    setError(null);
    setProgress({ stage: "reading", done: 0, total: 0 });
    try {
      const summary = await ipc.importDataset(buildImportRequest(form, kind, labelsFromData === true), (p) => setProgress(p));
      onImported(summary);
    } catch (err) {
      const ipcErr = normaliseError(err);
      if (ipcErr.code === "invalid_input" && !projectHasLabels && labelsFromData === null) setLabelsFromData(false);
      setError({ title: ipcErr.code === "cancelled" ? "Import cancelled" : `Import failed — ${codeTitle(ipcErr.code)}`, message: ipcErr.message });
      setProgress(null);
      setBusy(false);
    }
  };

  const pct = progress && progress.total > 0 ? Math.min(100, (progress.done / progress.total) * 100) : null;

  return (
    <Modal title="Import dataset" onClose={onClose} closable={!busy} testId="import-dialog" width={560}>
      <form className="form" onSubmit={submit}>
        <label className="field">
          <span className="field-label">Source</span>
          <input
            type="text"
            data-testid="import-source"
            value={form.source}
            onChange={set("source")}
            placeholder="/path/to/data.csv, .parquet, .jsonl or a folder"
            spellCheck={false}
            autoComplete="off"
            disabled={busy}
          />
        </label>
        <div className="inline-actions">
          <button type="button" className="button small" onClick={() => choose("file")} disabled={busy}>
            Choose file…
          </button>
          <button type="button" className="button small" onClick={() => choose("folder")} disabled={busy}>
            Choose folder…
          </button>
        </div>

        <label className="field">
          <span className="field-label">
            Name <span className="muted">(optional — defaults to the {kind === "folder" ? "folder" : "file"} name)</span>
          </span>
          <input type="text" value={form.name} onChange={set("name")} disabled={busy} autoComplete="off" spellCheck={false} />
        </label>

        {kind === "folder" ? (
          <p className="field-hint" data-testid="import-folder-note">
            An image folder, or a folder of <span className="mono">.txt</span> files (text items): each
            sub-folder&rsquo;s name is the label of the items in it; a flat folder imports unlabeled. Columns and
            features apply to manifest files only.
          </p>
        ) : (
          <>
            <fieldset className="field-grid four" disabled={busy}>
              <legend className="field-label">Columns</legend>
              <label className="field">
                <span className="field-sub">ID</span>
                <input type="text" value={form.idCol} onChange={set("idCol")} placeholder="id" autoComplete="off" spellCheck={false} />
              </label>
              <label className="field">
                <span className="field-sub">Path</span>
                <input type="text" value={form.pathCol} onChange={set("pathCol")} placeholder="path" autoComplete="off" spellCheck={false} />
              </label>
              <label className="field">
                <span className="field-sub">Label</span>
                <input type="text" value={form.labelCol} onChange={set("labelCol")} placeholder="label" autoComplete="off" spellCheck={false} />
              </label>
              <label className="field">
                <span className="field-sub">Text</span>
                <input
                  type="text"
                  data-testid="import-text-col"
                  value={form.textCol}
                  onChange={set("textCol")}
                  placeholder="for text items"
                  autoComplete="off"
                  spellCheck={false}
                />
              </label>
            </fieldset>

            <label className="field">
              <span className="field-label">
                Features <span className="muted">(comma-separated)</span>
              </span>
              <input
                type="text"
                value={form.features}
                onChange={set("features")}
                placeholder="empty = all numeric columns"
                autoComplete="off"
                spellCheck={false}
                disabled={busy}
              />
            </label>
          </>
        )}

        {progress && (
          <div
            className="progress"
            data-testid="import-progress"
            data-stage={progress.stage}
            role="progressbar"
            aria-valuemin={0}
            aria-valuemax={progress.total || undefined}
            aria-valuenow={progress.total ? progress.done : undefined}
            aria-valuetext={`${STAGE_TEXT[progress.stage]} ${progress.done} of ${progress.total}`}
          >
            <div className="progress-text">
              <span>{STAGE_TEXT[progress.stage]}…</span>
              <span className="muted tabular">
                {progress.total > 0 ? `${formatCount(progress.done)} / ${formatCount(progress.total)}` : ""}
              </span>
            </div>
            <div className={`progress-track${pct === null ? " indeterminate" : ""}`}>
              <div className="progress-fill" style={pct === null ? undefined : { width: `${pct}%` }} />
            </div>
          </div>
        )}

        {error && (
          <div className="form-error" role="alert">
            <strong>{error.title}</strong>
            <pre className="error-message" data-testid="import-error">
              {error.message}
            </pre>
          </div>
        )}

        {labelsFromData !== null && (
          <label className="check import-labels-from-data">
            <input
              type="checkbox"
              data-testid="import-labels-from-data"
              checked={labelsFromData}
              disabled={busy}
              onChange={(e) => setLabelsFromData(e.target.checked)}
            />
            <span>
              Take every value of the label column as a label
              <span className="field-hint">
                This project has no labels yet, so its first labeled import defines them. Tick this when a refusal
                above says the label column holds more than 1,000 distinct values and they really are the labels
                (else name the right label column). The same as <span className="mono">--labels-from-data</span>.
              </span>
            </span>
          </label>
        )}

        <div className="form-actions">
          {busy ? (
            <button
              type="button"
              className="button"
              data-testid="import-cancel"
              onClick={() => {
                ipc.cancelImport().catch((err) => report(err, "Cancelling the import"));
              }}
            >
              Stop import
            </button>
          ) : (
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
          )}
          <button
            type="submit"
            className="button primary"
            data-testid="import-submit"
            disabled={busy || form.source.trim() === ""}
          >
            {busy ? "Importing…" : "Import"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
