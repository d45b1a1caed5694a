/**
 * The agreement target on the Dashboard: what it asks, whether the project meets it now (met,
 * below target, not enough data) with the figure and its 95% interval; a lead sets, edits or
 * clears it (a synchronised, audited setting). The export refuses while it is not met.
 */
import { useState } from "react";
import type { AgreementTarget } from "../bindings/AgreementTarget";
import type { TargetVerdict } from "../bindings/TargetVerdict";
import * as ipc from "../ipc";
import { normaliseError } from "../lib/ipcError";
import {
  STATUS_TEXT,
  TARGET_ON,
  TARGET_STATISTICS,
  buildTarget,
  defaultTargetForm,
  figureText,
  targetText,
  type TargetForm,
} from "../lib/target";
import { useAnnotators } from "./reviewHooks";

export function AgreementTargetPanel({
  verdict,
  projectPath,
  onChanged,
}: {
  verdict: TargetVerdict | null;
  projectPath: string;
  onChanged: () => void;
}) {
  const me = useAnnotators(projectPath).current;
  const lead = me?.role === "lead";
  const [form, setForm] = useState<TargetForm | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const save = async (target: AgreementTarget | null) => {
    if (!me || !lead) return;
    setBusy(true);
    setError(null);
    try {
      await ipc.setAgreementTarget(target, me.name);
      setForm(null);
      onChanged();
    } catch (err) {
      setError(normaliseError(err).message);
    } finally {
      setBusy(false);
    }
  };
  const submit = () => {
    if (!form) return;
    const built = buildTarget(form);
    if (!built.ok) setError(built.errors.min ?? "Check the minimum");
    else void save(built.request);
  };

  return (
    <div className="dash-target" data-testid="dash-target" data-status={verdict?.status ?? "none"}>
      <div className="dash-target-head">
        <strong>Target</strong>
        {verdict ? (
          <>
            <span className={`target-status ${verdict.status}`} data-testid="dash-target-status">
              {STATUS_TEXT[verdict.status]}
            </span>
            <span className="muted">{targetText(verdict.target)}</span>
          </>
        ) : (
          <span className="muted">None — exports are not gated by agreement.</span>
        )}
        {lead && !form && (
          <span className="dash-target-actions">
            <button type="button" className="button small" data-testid="dash-target-edit" onClick={() => setForm(defaultTargetForm(verdict?.target ?? null))}>
              {verdict ? "Change" : "Set target…"}
            </button>
            {verdict && (
              <button type="button" className="button small" data-testid="dash-target-clear" disabled={busy} onClick={() => void save(null)}>
                Clear
              </button>
            )}
          </span>
        )}
      </div>
      {verdict && (
        <p className="dash-note" data-testid="dash-target-figure">
          Now {figureText(verdict)}
          {verdict.status === "insufficient" && verdict.reason ? ` — ${verdict.reason}` : ""}
          {verdict.status !== "pass" ? " · the export refuses unless overridden." : ""}
        </p>
      )}
      {form && (
        <div className="dash-target-form" data-testid="dash-target-form">
          <select
            aria-label="Statistic"
            value={form.statistic}
            onChange={(e) => setForm({ ...form, statistic: e.target.value as TargetForm["statistic"] })}
          >
            {TARGET_STATISTICS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.text}
              </option>
            ))}
          </select>
          <span>≥</span>
          <input
            aria-label="Minimum"
            className="dash-target-min"
            value={form.min}
            onChange={(e) => setForm({ ...form, min: e.target.value })}
          />
          <span>on</span>
          <select aria-label="Compared" value={form.on} onChange={(e) => setForm({ ...form, on: e.target.value as TargetForm["on"] })}>
            {TARGET_ON.map((o) => (
              <option key={o.value} value={o.value}>
                {o.text}
              </option>
            ))}
          </select>
          <button type="button" className="button small primary" data-testid="dash-target-save" disabled={busy} onClick={submit}>
            Save
          </button>
          <button type="button" className="button small" disabled={busy} onClick={() => { setForm(null); setError(null); }}>
            Cancel
          </button>
        </div>
      )}
      {error && (
        <span className="form-error small" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
