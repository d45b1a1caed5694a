import { useState, type FormEvent } from "react";
import type { Role } from "../bindings/Role";
import { codeTitle, normaliseError } from "../lib/ipcError";
import { useSession } from "../session";
import { Modal } from "./Modal";
import { ROLES, type Annotators } from "./reviewHooks";

const ADD = "__add__";

/**
 * Who is labeling: a select of the annotator profiles, with "Add annotator…". In a browser on
 * `arbiter serve`, the signed-in person, fixed.
 */
export function AnnotatorPicker({ people }: { people: Annotators }) {
  const [adding, setAdding] = useState(false);
  const session = useSession();
  const value = people.current ? people.current.name : "";
  if (session.transport === "http") {
    return (
      <div className="review-field" title="Signed in with your sign-in link">
        <span>Annotator</span>
        <strong data-testid="annotator-signed-in" data-annotator={session.annotator}>
          {session.annotator} · {session.role}
        </strong>
      </div>
    );
  }
  return (
    <>
      <label className="review-field" title="Who is labeling (remembered on this computer)">
        <span>Annotator</span>
        <select
          data-testid="annotator-select"
          value={value}
          onChange={(e) => {
            if (e.target.value === ADD) setAdding(true);
            else people.choose(e.target.value || null);
            e.currentTarget.blur();
          }}
        >
          {value === "" && (
            <option value="" disabled>
              {people.list === null ? "Loading…" : "Who is labeling?"}
            </option>
          )}
          {(people.list ?? []).map((a) => (
            <option key={a.name} value={a.name}>
              {a.name} · {a.role}
            </option>
          ))}
          <option value={ADD}>Add annotator…</option>
        </select>
      </label>
      {adding && <AddAnnotatorDialog people={people} onClose={() => setAdding(false)} />}
    </>
  );
}

export function AddAnnotatorDialog({ people, onClose }: { people: Annotators; onClose: () => void }) {
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("annotator");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const taken = (people.list ?? []).some((a) => a.name === name.trim());

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim() || taken) return;
    setBusy(true);
    setError(null);
    try {
      await people.add(name.trim(), role);
      onClose();
    } catch (err) {
      const ipcErr = normaliseError(err);
      setError(`${codeTitle(ipcErr.code)}: ${ipcErr.message}`);
      setBusy(false);
    }
  };

  return (
    <Modal
      title="Add annotator"
      onClose={onClose}
      closable={!busy}
      testId="annotator-dialog"
      width={400}
    >
      <form className="form" onSubmit={submit}>
        <label className="field">
          <span className="field-label">Name</span>
          <input
            type="text"
            data-testid="annotator-name"
            value={name}
            autoComplete="off"
            spellCheck={false}
            placeholder="e.g. ana"
            onChange={(e) => setName(e.target.value)}
          />
          {taken && <span className="field-error">{name.trim()} already exists — pick it in the list.</span>}
        </label>
        <label className="field">
          <span className="field-label">Role</span>
          <select data-testid="annotator-role" value={role} onChange={(e) => setRole(ROLES.find((r) => r === e.target.value) ?? role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          <span className="field-sub">Reviewers and leads can override labels and decide conflicts.</span>
        </label>
        {error && (
          <div className="form-error" role="alert" data-testid="annotator-error">
            {error}
          </div>
        )}
        <div className="form-actions">
          <button type="button" className="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="button primary" data-testid="annotator-create" disabled={busy || !name.trim() || taken}>
            {busy ? "Adding…" : "Add"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
