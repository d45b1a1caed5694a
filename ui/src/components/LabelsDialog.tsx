import { useEffect, useMemo, useState, type FormEvent } from "react";
import type { LabelInfo } from "../bindings/LabelInfo";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import * as ipc from "../ipc";
import { codeTitle, normaliseError } from "../lib/ipcError";
import { FALLBACK_LABEL_COLOR } from "../lib/labels";
import { labelEdit, newLabelNames, type LabelDraft } from "../lib/labelEdit";
import { AnnotatorPicker } from "./AnnotatorPicker";
import { Modal } from "./Modal";
import { ReasonsEditor } from "./ReasonsEditor";
import { useAnnotators } from "./reviewHooks";

interface Props {
  project: ProjectInfo;
  onClose: () => void;
  /** The project's labels after a change (every screen shows them from the project). */
  onChanged: (labels: LabelInfo[]) => void;
}

const draftOf = (l: LabelInfo, examples: readonly string[]): LabelDraft => ({
  hotkey: l.hotkey ?? "",
  color: l.color || FALLBACK_LABEL_COLOR,
  guideline: l.guideline ?? "",
  examples: examples.join(", "),
});

/**
 * The project's labels — colour, hotkey, guideline — edited by a lead (who acts is picked as in
 * Review), and new labels added after the existing ones. Each change is the backend's, audited;
 * its refusal is shown as it says it.
 */
export function LabelsDialog({ project, onClose, onChanged }: Props) {
  const people = useAnnotators(project.path);
  const me = people.current;
  const lead = me?.role === "lead";
  const labels = useMemo(() => [...project.labels].sort((a, b) => a.position - b.position), [project.labels]);
  const [drafts, setDrafts] = useState<Record<string, LabelDraft>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState<string | null>(null);
  const [adding, setAdding] = useState("");

  // Each label's guideline examples (item ids), as stored.
  const [examples, setExamples] = useState<Record<string, string[]>>({});
  useEffect(() => {
    let live = true;
    ipc
      .getGuidelines()
      .then((g) => {
        if (live) setExamples(Object.fromEntries(g.labels.map((l) => [l.name, l.examples.map((e) => e.itemId)])));
      })
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [project.labels]);
  const examplesOf = (l: LabelInfo) => examples[l.name] ?? [];
  const draft = (l: LabelInfo) => drafts[l.name] ?? draftOf(l, examplesOf(l));
  const setDraft = (name: string, d: LabelDraft) => {
    setDrafts((all) => ({ ...all, [name]: d }));
    setErrors((e) => ({ ...e, [name]: "" }));
    setSaved(null);
  };
  const fail = (key: string, err: unknown) => {
    const e = normaliseError(err);
    setErrors((all) => ({ ...all, [key]: `${codeTitle(e.code)}: ${e.message}` }));
  };

  const save = async (l: LabelInfo) => {
    if (!me || !lead) return;
    const request = labelEdit(l, draft(l), examplesOf(l));
    if (!request) return;
    setBusy(l.name);
    try {
      const now = await ipc.editLabel(request, me.name);
      setDrafts((all) => {
        const { [l.name]: _done, ...rest } = all;
        return rest;
      });
      setSaved(`Saved “${l.name}”.`);
      onChanged(now);
    } catch (err) {
      fail(l.name, err);
    } finally {
      setBusy(null);
    }
  };

  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (!me || !lead) return;
    const names = newLabelNames(adding);
    if (names.length === 0) return;
    setBusy("+");
    setErrors((all) => ({ ...all, "+": "" }));
    try {
      const now = await ipc.addLabels(names, me.name);
      setAdding("");
      setSaved(`Added ${names.map((n) => `“${n}”`).join(", ")}.`);
      onChanged(now);
    } catch (err) {
      fail("+", err);
    } finally {
      setBusy(null);
    }
  };

  return (
    <Modal title="Labels" onClose={onClose} closable={busy === null} testId="labels-dialog" width={720}>
      <div className="labels-dialog">
        <div className="labels-who">
          <AnnotatorPicker people={people} />
          <span className={`muted small${lead ? "" : " labels-lead-note"}`} data-testid="labels-who-note">
            {lead
              ? "Changes are recorded in the audit log under this lead's name."
              : me
                ? `Only a lead can change labels — ${me.name} is ${me.role === "annotator" ? "an" : "a"} ${me.role}. Pick a lead.`
                : "Only a lead can change labels. Pick who you are (a lead)."}
          </span>
        </div>

        <table className="labels-table">
          <thead>
            <tr>
              <th>Colour</th>
              <th>Label</th>
              <th>Key</th>
              <th>Guideline</th>
              <th aria-label="Save" />
            </tr>
          </thead>
          <tbody>
            {labels.map((l) => {
              const d = draft(l);
              const dirty = labelEdit(l, d, examplesOf(l)) !== null;
              return (
                <tr key={l.name} data-testid="label-row" data-label={l.name}>
                  <td>
                    <input
                      type="color"
                      className="label-color"
                      data-testid="label-color"
                      value={d.color}
                      disabled={!lead || busy !== null}
                      aria-label={`Colour of ${l.name}`}
                      onChange={(e) => setDraft(l.name, { ...d, color: e.target.value })}
                    />
                  </td>
                  <td className="label-name-cell" title={l.name}>
                    {l.name}
                  </td>
                  <td>
                    <input
                      type="text"
                      className="label-hotkey"
                      data-testid="label-hotkey"
                      value={d.hotkey}
                      maxLength={1}
                      placeholder="—"
                      disabled={!lead || busy !== null}
                      aria-label={`Key of ${l.name}`}
                      autoComplete="off"
                      spellCheck={false}
                      onChange={(e) => setDraft(l.name, { ...d, hotkey: e.target.value })}
                    />
                  </td>
                  <td>
                    <input
                      type="text"
                      className="label-guideline"
                      data-testid="label-guideline"
                      value={d.guideline}
                      placeholder="What counts as this label"
                      disabled={!lead || busy !== null}
                      aria-label={`Guideline of ${l.name}`}
                      autoComplete="off"
                      onChange={(e) => setDraft(l.name, { ...d, guideline: e.target.value })}
                    />
                    <input
                      type="text"
                      className="label-guideline label-examples"
                      data-testid="label-examples"
                      value={d.examples ?? ""}
                      placeholder="Example items: ids, separated by commas"
                      disabled={!lead || busy !== null}
                      aria-label={`Example items of ${l.name}`}
                      autoComplete="off"
                      spellCheck={false}
                      onChange={(e) => setDraft(l.name, { ...d, examples: e.target.value })}
                    />
                    {errors[l.name] && (
                      <div className="field-error" role="alert" data-testid="label-error">
                        {errors[l.name]}
                      </div>
                    )}
                  </td>
                  <td>
                    {/* Only a changed row offers Save (ten idle buttons would say nothing). */}
                    <button
                      type="button"
                      className={`button small primary${dirty ? "" : " idle"}`}
                      data-testid="label-save"
                      disabled={!lead || !dirty || busy !== null}
                      aria-hidden={dirty ? undefined : true}
                      tabIndex={dirty ? undefined : -1}
                      onClick={() => void save(l)}
                    >
                      {busy === l.name ? "Saving…" : "Save"}
                    </button>
                  </td>
                </tr>
              );
            })}
            {labels.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  No labels yet: add them below, or import a labeled dataset.
                </td>
              </tr>
            )}
          </tbody>
        </table>

        <form className="labels-add" onSubmit={add} noValidate>
          <label className="field grow">
            <span className="field-label">
              Add labels <span className="muted">(comma-separated, after the existing ones)</span>
            </span>
            <input
              type="text"
              data-testid="labels-new"
              value={adding}
              placeholder="e.g. fox, wolf"
              disabled={!lead || busy !== null}
              autoComplete="off"
              onChange={(e) => {
                setAdding(e.target.value);
                setErrors((all) => ({ ...all, "+": "" }));
              }}
            />
          </label>
          <button type="submit" className="button" data-testid="labels-add" disabled={!lead || busy !== null || newLabelNames(adding).length === 0}>
            {busy === "+" ? "Adding…" : "Add"}
          </button>
        </form>
        {errors["+"] && (
          <div className="form-error" role="alert" data-testid="labels-add-error">
            {errors["+"]}
          </div>
        )}
        {saved && (
          <p className="small labels-saved" role="status" data-testid="labels-saved">
            {saved}
          </p>
        )}
        <ReasonsEditor lead={lead} actor={me?.name ?? null} />
        <div className="form-actions">
          <button type="button" className="button" onClick={onClose} disabled={busy !== null}>
            Close
          </button>
        </div>
      </div>
    </Modal>
  );
}
