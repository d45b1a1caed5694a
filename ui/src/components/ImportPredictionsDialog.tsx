/**
 * Import predictions made elsewhere (a PyTorch pipeline, a hosted model) as a run: a file with
 * `item_id` and `p_<class>` for every class, `logits_<class>`, or `predicted` + `confidence`.
 * The backend checks every row before it writes anything; a refusal lists the rows.
 */
import { useState, type FormEvent } from "react";
import type { DatasetInfo } from "../bindings/DatasetInfo";
import type { PredictionsImportedDto } from "../bindings/PredictionsImportedDto";
import * as ipc from "../ipc";
import { codeTitle, normaliseError } from "../lib/ipcError";
import { useReportError } from "./ErrorBanner";
import { ImportFormEnd, type ImportFailure } from "./ImportFormEnd";
import { Modal } from "./Modal";
import { PathField } from "./PathField";

interface Props {
  datasets: DatasetInfo[];
  /** The dataset version selected in the grid: predicted unless another is chosen. */
  versionId: number | null;
  onClose: () => void;
  onImported: (imported: PredictionsImportedDto) => void;
}

/** `NAME@N` of every dataset version, newest first within a dataset. */
export function versionChoices(datasets: DatasetInfo[]): { id: number; spec: string }[] {
  return datasets.flatMap((d) => d.versions.map((v) => ({ id: v.id, spec: `${d.name}@${v.version}` })));
}

/** What a successful import says, in words. */
export function importedText(r: PredictionsImportedDto): string {
  const what = r.columns === "predicted_confidence" ? "predicted class + confidence" : r.columns;
  const parts = [`Run ${r.run}: ${r.rows.toLocaleString("en-US")} predictions of ${r.dataset}@${r.datasetVersion} as ${r.model}@${r.modelVersion} (${what})`];
  if (r.failed > 0) parts.push(`${r.failed.toLocaleString("en-US")} marked failed`);
  if (r.normalized > 0) parts.push(`${r.normalized.toLocaleString("en-US")} rescaled to sum to 1`);
  if (r.itemsWithout > 0) parts.push(`${r.itemsWithout.toLocaleString("en-US")} items without a prediction`);
  if (r.ignoredColumns.length > 0) parts.push(`not read: ${r.ignoredColumns.join(", ")}`);
  return parts.join("; ") + ".";
}

export function ImportPredictionsDialog({ datasets, versionId, onClose, onImported }: Props) {
  const report = useReportError();
  const choices = versionChoices(datasets);
  const [file, setFile] = useState("");
  const [name, setName] = useState("");
  const [version, setVersion] = useState("");
  const [dataset, setDataset] = useState(() => choices.find((c) => c.id === versionId)?.spec ?? choices[0]?.spec ?? "");
  const [normalize, setNormalize] = useState(false);
  const [busy, setBusy] = useState(false);
  const [missing, setMissing] = useState<{ file?: string; name?: string }>({});
  const [error, setError] = useState<ImportFailure | null>(null);

  const choose = async () => {
    try {
      const path = await ipc.pickFile("Choose a predictions file", "predictions");
      if (path) {
        setFile(path);
        setMissing((m) => ({ ...m, file: undefined }));
        setError(null);
        if (name.trim() === "") setName(stem(path));
      }
    } catch (err) {
      report(err, "Choosing the predictions file");
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const need = {
      file: file.trim() === "" ? "Choose the file to import." : undefined,
      name: name.trim() === "" ? "Name the model the predictions came from." : undefined,
    };
    setMissing(need);
    if (need.file || need.name) return;
    setBusy(true);
    setError(null);
    try {
      const imported = await ipc.importPredictions({
        file: file.trim(),
        name: name.trim(),
        version: version.trim() === "" ? null : version.trim(),
        dataset: dataset === "" ? null : dataset,
        normalize,
      });
      onImported(imported);
    } catch (err) {
      const ipcErr = normaliseError(err);
      setError({ title: `Nothing was imported — ${codeTitle(ipcErr.code)}`, message: ipcErr.message });
      setBusy(false);
    }
  };

  return (
    <Modal title="Import predictions" onClose={onClose} closable={!busy} testId="predictions-dialog" width={600}>
      <form className="form" onSubmit={submit} noValidate>
        <p className="dialog-intro muted">
          Predictions made outside Arbiter become a run like any other, for queues, the Dashboard and export. The file
          (.csv, .parquet or .jsonl) has <code>item_id</code> and either <code>p_&lt;label&gt;</code> for every label,{" "}
          <code>logits_&lt;label&gt;</code>, or <code>predicted</code> and <code>confidence</code>.
        </p>
        <PathField
          id="predictions-file"
          testId="predictions-file"
          chooseTestId="predictions-choose"
          label="Predictions file"
          value={file}
          onChange={(e) => {
            setFile(e.target.value);
            setError(null);
          }}
          onChoose={choose}
          placeholder="/path/to/predictions.csv"
          disabled={busy}
          invalid={!!missing.file}
        >
          {missing.file && <span className="field-error">{missing.file}</span>}
        </PathField>
        <div className="field-row">
          <label className="field">
            <span className="field-label">Model name</span>
            <input
              type="text"
              data-testid="predictions-name"
              value={name}
              onChange={(e) => {
                setName(e.target.value);
                setError(null);
              }}
              disabled={busy}
              autoComplete="off"
              aria-invalid={!!missing.name}
            />
            {missing.name && <span className="field-error">{missing.name}</span>}
          </label>
          <label className="field">
            <span className="field-label">
              Its version <span className="muted">(optional: a tag or commit)</span>
            </span>
            <input
              type="text"
              data-testid="predictions-version"
              value={version}
              onChange={(e) => setVersion(e.target.value)}
              disabled={busy}
              autoComplete="off"
            />
          </label>
        </div>
        <label className="field">
          <span className="field-label">Dataset version predicted</span>
          <select data-testid="predictions-dataset" value={dataset} onChange={(e) => setDataset(e.target.value)} disabled={busy}>
            {choices.map((c) => (
              <option key={c.id} value={c.spec}>
                {c.spec}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" data-testid="predictions-normalize" checked={normalize} onChange={(e) => setNormalize(e.target.checked)} disabled={busy} />
          <span>Rescale probability rows that do not sum to 1 (otherwise such rows are refused)</span>
        </label>
        <ImportFormEnd error={error} busy={busy} onClose={onClose} testId="predictions" />
      </form>
    </Modal>
  );
}

function stem(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  return base.replace(/\.[^.]+$/, "");
}
