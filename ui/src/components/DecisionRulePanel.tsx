import { useCallback, useEffect, useState } from "react";
import type { AnnotatorDto } from "../bindings/AnnotatorDto";
import type { DecisionMode } from "../bindings/DecisionMode";
import type { DecisionRuleDto } from "../bindings/DecisionRuleDto";
import * as ipc from "../ipc";
import { describeRule, modeText, parseMinAnnotators, RULE_MODES, ruleMode } from "../lib/decisionRule";
import { useReportError } from "./ErrorBanner";

interface Props {
  /** Who is working here; only a lead gets the form. */
  me: AnnotatorDto | null;
  /** Called after the rule changed (which items are conflicts may have changed). */
  onChanged: () => void;
}

/** The project's decision rule, shown to everyone and changed by a lead. */
export function DecisionRulePanel({ me, onChanged }: Props) {
  const report = useReportError();
  const [rule, setRule] = useState<DecisionRuleDto | null>(null);
  const [editing, setEditing] = useState(false);
  const [mode, setMode] = useState<DecisionMode>("majority");
  const [min, setMin] = useState("1");
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const lead = me?.role === "lead";

  const load = useCallback(async () => {
    try {
      setRule(await ipc.getDecisionRule());
    } catch (err) {
      report(err, "Loading the decision rule");
    }
  }, [report]);
  useEffect(() => {
    void load();
  }, [load]);

  const edit = () => {
    if (!rule) return;
    setMode(rule.mode);
    setMin(String(rule.minAnnotators));
    setError(null);
    setEditing(true);
  };

  const save = async () => {
    if (!me) return;
    const parsed = parseMinAnnotators(min);
    if ("error" in parsed) {
      setError(parsed.error);
      return;
    }
    setSaving(true);
    try {
      setRule(await ipc.setDecisionRule({ mode, minAnnotators: parsed.value }, me.name));
      setEditing(false);
      onChanged();
    } catch (err) {
      report(err, "Changing the decision rule");
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="decision-rule" data-testid="decision-rule">
      <span className="review-row-label">Decision rule</span>
      {!editing ? (
        <>
          <span className="decision-rule-text" data-testid="decision-rule-text">
            {rule ? describeRule(rule) : "…"}
          </span>
          {lead && rule && (
            <button type="button" className="button ghost small" data-testid="decision-rule-edit" onClick={edit}>
              Change
            </button>
          )}
        </>
      ) : (
        <form
          className="decision-rule-form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
          onKeyDown={(e) => {
            // Typing here must not decide conflicts or move through the list.
            e.stopPropagation();
            if (e.key === "Escape") setEditing(false);
          }}
        >
          <label>
            Mode{" "}
            <select data-testid="decision-rule-mode" value={mode} onChange={(e) => setMode(ruleMode(e.target.value) ?? mode)}>
              {RULE_MODES.map((m) => (
                <option key={m} value={m}>
                  {modeText(m)}
                </option>
              ))}
            </select>
          </label>
          <label>
            Minimum annotators{" "}
            <input
              data-testid="decision-rule-min"
              type="number"
              min={1}
              max={1000}
              step={1}
              value={min}
              onChange={(e) => setMin(e.target.value)}
            />
          </label>
          <button type="submit" className="button small" data-testid="decision-rule-save" disabled={saving}>
            Save
          </button>
          <button type="button" className="button ghost small" onClick={() => setEditing(false)}>
            Cancel
          </button>
          {error && (
            <span className="decision-rule-error" role="alert" data-testid="decision-rule-error">
              {error}
            </span>
          )}
        </form>
      )}
    </div>
  );
}
