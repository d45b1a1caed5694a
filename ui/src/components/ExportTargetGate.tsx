/**
 * The agreement target on the Export screen: met (a quiet line), or not met — the figure, its
 * interval and an explicit override to export anyway (the lineage records that it went below
 * the target). Without the override the export is refused with `below_target`.
 */
import type { TargetVerdict } from "../bindings/TargetVerdict";
import { STATUS_TEXT, figureText, needsOverride, targetText } from "../lib/target";

export function ExportTargetGate({
  verdict,
  allow,
  disabled,
  onAllow,
}: {
  verdict: TargetVerdict | null | undefined;
  allow: boolean;
  disabled: boolean;
  onAllow: (allow: boolean) => void;
}) {
  if (!verdict) return null;
  if (!needsOverride(verdict)) {
    return (
      <p className="small muted" data-testid="export-target" data-status="pass">
        Agreement target met: {targetText(verdict.target)} — now {figureText(verdict)}.
      </p>
    );
  }
  return (
    <div className="notice warn flat" data-testid="export-target" data-status={verdict.status}>
      <div className="notice-body">
        <div>
          <strong>
            {STATUS_TEXT[verdict.status]}: {targetText(verdict.target)}
          </strong>
        </div>
        <div className="small">
          Now {figureText(verdict)}
          {verdict.status === "insufficient" && verdict.reason ? ` — ${verdict.reason}` : ""}.
        </div>
        <label className="check compact">
          <input
            type="checkbox"
            data-testid="export-allow-below-target"
            checked={allow}
            disabled={disabled}
            onChange={(e) => onAllow(e.target.checked)}
          />
          <span>Export anyway, below the target (recorded in the lineage)</span>
        </label>
      </div>
    </div>
  );
}
