/**
 * Import a Label Studio project: its JSON export (Export → JSON) of an image or text
 * classification project becomes a new dataset of the open project — the tasks as items (images,
 * or text items), the choices as labels,
 * each annotation by its annotator's e-mail, each model version's predictions as a run. The
 * backend checks every task before it writes anything; a refusal names the task and field.
 */
import { useState, type FormEvent } from "react";
import type { LabelStudioImportedDto } from "../bindings/LabelStudioImportedDto";
import * as ipc from "../ipc";
import { codeTitle, normaliseError } from "../lib/ipcError";
import { useReportError } from "./ErrorBanner";
import { ImportFormEnd, type ImportFailure } from "./ImportFormEnd";
import { Modal } from "./Modal";
import { PathField } from "./PathField";

interface Props {
  onClose: () => void;
  onImported: (imported: LabelStudioImportedDto) => void;
}

const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

/** What a successful import says, in words. */
export function labelStudioText(r: LabelStudioImportedDto): string {
  const parts = [
    `${r.dataset}@${r.version}: ${count(r.items, "item")} from Label Studio`,
    `${count(r.annotations, "annotation")} by ${count(r.annotators.length, "annotator")}`,
  ];
  if (r.runs.length > 0) {
    parts.push(r.runs.map((x) => `run ${x.run} (${x.model}, ${count(x.predictions, "prediction")})`).join(", "));
  }
  if (r.cancelled.length > 0) parts.push(`${count(r.cancelled.length, "cancelled annotation")} left out`);
  return parts.join("; ") + ".";
}

export function ImportLabelStudioDialog({ onClose, onImported }: Props) {
  const report = useReportError();
  const [file, setFile] = useState("");
  const [imagesRoot, setImagesRoot] = useState("");
  const [dataset, setDataset] = useState("");
  const [busy, setBusy] = useState(false);
  const [missing, setMissing] = useState<string | null>(null);
  const [error, setError] = useState<ImportFailure | null>(null);

  const chooseFile = async () => {
    try {
      const path = await ipc.pickFile("Choose a Label Studio JSON export", "labelstudio");
      if (path) {
        setFile(path);
        setMissing(null);
        setError(null);
      }
    } catch (err) {
      report(err, "Choosing the export");
    }
  };

  const chooseRoot = async () => {
    try {
      const path = await ipc.pickFolder("The folder the tasks' images are in");
      if (path) {
        setImagesRoot(path);
        setError(null);
      }
    } catch (err) {
      report(err, "Choosing the images folder");
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    if (file.trim() === "") {
      setMissing("Choose the export to import.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const imported = await ipc.importLabelStudio({
        file: file.trim(),
        dataset: dataset.trim() === "" ? null : dataset.trim(),
        imagesRoot: imagesRoot.trim() === "" ? null : imagesRoot.trim(),
      });
      onImported(imported);
    } catch (err) {
      const ipcErr = normaliseError(err);
      setError({ title: `Nothing was imported — ${codeTitle(ipcErr.code)}`, message: ipcErr.message });
      setBusy(false);
    }
  };

  return (
    <Modal title="Import from Label Studio" onClose={onClose} closable={!busy} testId="labelstudio-dialog" width={600}>
      <form className="form" onSubmit={submit} noValidate>
        <p className="dialog-intro muted">
          A Label Studio image or text classification project, exported with <strong>Export → JSON</strong>, becomes a
          new dataset: its tasks as items, its choices as labels, each annotation under its annotator&apos;s e-mail, and each
          model version&apos;s predictions as a run. Cancelled annotations are left out and counted.
        </p>
        <PathField
          id="labelstudio-file"
          testId="labelstudio-file"
          chooseTestId="labelstudio-choose"
          label="Label Studio export (.json)"
          value={file}
          onChange={(e) => {
            setFile(e.target.value);
            setMissing(null);
            setError(null);
          }}
          onChoose={chooseFile}
          placeholder="/path/to/project-export.json"
          disabled={busy}
          invalid={!!missing}
        >
          {missing && <span className="field-error">{missing}</span>}
        </PathField>
        <PathField
          id="labelstudio-root"
          testId="labelstudio-root"
          chooseTestId="labelstudio-choose-root"
          label={
            <>
              Images folder <span className="muted">(optional: default, the export&apos;s folder; not used for texts)</span>
            </>
          }
          value={imagesRoot}
          onChange={(e) => {
            setImagesRoot(e.target.value);
            setError(null);
          }}
          onChoose={chooseRoot}
          placeholder="Label Studio's local-files root, or its media folder"
          disabled={busy}
        >
          <span className="field-hint">
            Paths such as <code>/data/local-files/?d=images/cat.jpg</code> and <code>/data/upload/3/cat.jpg</code> are
            looked up inside this folder.
          </span>
        </PathField>
        <label className="field">
          <span className="field-label">
            Dataset name <span className="muted">(optional: default, the file&apos;s name)</span>
          </span>
          <input
            type="text"
            data-testid="labelstudio-dataset"
            value={dataset}
            onChange={(e) => setDataset(e.target.value)}
            disabled={busy}
            autoComplete="off"
          />
        </label>
        <ImportFormEnd error={error} busy={busy} onClose={onClose} testId="labelstudio" />
      </form>
    </Modal>
  );
}
