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
  features: string;
}

export const EMPTY_IMPORT_FORM: ImportForm = { source: "", name: "", idCol: "", pathCol: "", labelCol: "", features: "" };

/** Form fields -> ImportRequest: blanks become null (backend defaults), features split on commas. */
export function buildImportRequest(form: ImportForm): ImportRequest {
  const opt = (s: string) => (s.trim() === "" ? null : s.trim());
  const features = splitList(form.features);
  return {
    source: form.source.trim(),
    name: opt(form.name),
    idCol: opt(form.idCol),
    pathCol: opt(form.pathCol),
    labelCol: opt(form.labelCol),
    features: features.length ? features : null,
  };
}

interface Props {
  onClose: () => void;
  onImported: (summary: ImportSummary) => void;
}

export function ImportDialog({ onClose, onImported }: Props) {
  const report = useReportError();
  const [form, setForm] = useState<ImportForm>(EMPTY_IMPORT_FORM);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<ImportProgress | null>(null);
  const [error, setError] = useState<{ title: string; message: string } | null>(null);

  const set = (key: keyof ImportForm) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [key]: e.target.value }));

  const choose = async (kind: "file" | "folder") => {
    try {
      const path =
        kind === "file" ? await ipc.pickFile("Choose a data file", "manifest") : await ipc.pickFolder("Choose a data folder");
      if (path) setForm((f) => ({ ...f, source: path }));
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
      const summary = await ipc.importDataset(buildImportRequest(form), (p) => setProgress(p));
      onImported(summary);
    } catch (err) {
      const ipcErr = normaliseError(err);
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
            Name <span className="muted">(optional — defaults to the file name)</span>
          </span>
          <input type="text" value={form.name} onChange={set("name")} disabled={busy} autoComplete="off" spellCheck={false} />
        </label>

        <fieldset className="field-grid" disabled={busy}>
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
