import { useState, type FormEvent } from "react";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import * as ipc from "../ipc";
import { splitList } from "../lib/format";
import { codeTitle, normaliseError } from "../lib/ipcError";
import { Modal } from "./Modal";

interface Props {
  path: string;
  onCancel: () => void;
  onCreated: (project: ProjectInfo) => void;
}

export function NewProjectDialog({ path, onCancel, onCreated }: Props) {
  const [labels, setLabels] = useState("");
  const [ordinal, setOrdinal] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ title: string; message: string } | null>(null);
  const parsed = splitList(labels);
  // A ranking needs at least two labels; with fewer the switch has nothing to order.
  const rankable = parsed.length >= 2;
  const ranked = ordinal && rankable;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onCreated(await ipc.createProject(path, parsed, ranked));
    } catch (err) {
      const ipcErr = normaliseError(err);
      setError({ title: codeTitle(ipcErr.code), message: ipcErr.message });
      setBusy(false);
    }
  };

  return (
    <Modal title="New project" onClose={onCancel} closable={!busy} width={500}>
      <form className="form" onSubmit={submit} id="new-project-form">
        <div className="field">
          <span className="field-label">Folder</span>
          <div className="path-box" title={path}>
            {path}
          </div>
        </div>
        <label className="field">
          <span className="field-label">
            Labels <span className="muted">(optional, comma-separated)</span>
          </span>
          <input
            type="text"
            value={labels}
            placeholder="e.g. cat, dog, bird"
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => {
              setLabels(e.target.value);
              // Fewer than two labels leave nothing to rank: the switch goes off, and stays off.
              if (splitList(e.target.value).length < 2) setOrdinal(false);
            }}
          />
        </label>
        {parsed.length > 0 && (
          <div className="chip-row" aria-label="Labels to create" data-testid="new-project-labels">
            {parsed.map((l, i) => (
              <span key={l} className="chip-step">
                {ranked && i > 0 && (
                  <span className="chip-rank" aria-hidden="true">
                    &lt;
                  </span>
                )}
                <span className="chip">{l}</span>
              </span>
            ))}
          </div>
        )}
        <label className="check">
          <input
            type="checkbox"
            data-testid="new-project-ordinal"
            checked={ranked}
            disabled={busy || !rankable}
            onChange={(e) => setOrdinal(e.target.checked)}
          />
          <span>
            <span className="field-label">Ordered scale</span>{" "}
            <span className="muted">
              — the labels rank from first to last (ratings, severities); agreement adds weighted κ and
              ordinal α. Can be changed later on the dashboard.
            </span>
          </span>
        </label>
        {error && (
          <div className="form-error" role="alert">
            <strong>{error.title}</strong>
            <span>{error.message}</span>
          </div>
        )}
        <div className="form-actions">
          <button type="button" className="button" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="button primary" disabled={busy}>
            {busy ? "Creating…" : "Create project"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
