/**
 * The escalations queue (the Conflicts screen's “Escalated” tab): items flagged unsure or bad
 * input since their last review, and open conflicts. A reviewer or lead accepts an item as
 * labeled, overrides it with a label, or sends it back with a note to an annotator who labeled
 * it (who sees the note when the item is served to them again).
 */
import { useCallback, useEffect, useState } from "react";
import type { AnnotatorDto } from "../bindings/AnnotatorDto";
import type { EscalationDto } from "../bindings/EscalationDto";
import type { LabelInfo } from "../bindings/LabelInfo";
import type { ReasonDto } from "../bindings/ReasonDto";
import * as ipc from "../ipc";
import { REASON_TEXT, buildEscalationRequest, canAccept, sendBackTargets, type EscalationForm } from "../lib/escalations";
import { normaliseError } from "../lib/ipcError";
import { useOnProjectChanges } from "./projectChanges";
import { LabelChip } from "./ReviewParts";

const ACTION_TEXT: Record<string, string> = { accept: "accepted", override: "overridden", send_back: "sent back" };

interface Props {
  me: AnnotatorDto | null;
  labels: readonly LabelInfo[];
  reasons: readonly ReasonDto[];
  colors: Map<string, string>;
}

export function EscalationsPanel({ me, labels, reasons, colors }: Props) {
  const [list, setList] = useState<EscalationDto[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reviewer = me !== null && me.role !== "annotator";

  const load = useCallback(async () => {
    try {
      setList(await ipc.listEscalations());
      setError(null);
    } catch (err) {
      setError(normaliseError(err).message);
      setList((prev) => prev ?? []);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  useOnProjectChanges(() => void load());

  const act = async (rowid: number, form: EscalationForm): Promise<string | null> => {
    if (!me) return "Choose who you are in the Annotator list";
    const built = buildEscalationRequest(rowid, me.name, form);
    if (!built.ok) return built.error;
    try {
      setList(await ipc.actOnEscalation(built.request));
      return null;
    } catch (err) {
      return normaliseError(err).message;
    }
  };

  return (
    <div className="escalations" data-testid="escalations" data-count={list?.length ?? ""}>
      {!reviewer && (
        <p className="muted small" data-testid="escalations-role-note">
          Only reviewers and leads act on escalations{me ? ` — ${me.name} is an ${me.role}` : ""}; you can still look.
        </p>
      )}
      {error && (
        <p className="form-error small" role="alert">
          {error}
        </p>
      )}
      {list === null && <p className="muted">Loading…</p>}
      {list !== null && list.length === 0 && (
        <div className="review-empty" data-testid="escalations-empty">
          <h2>Nothing escalated</h2>
          <p className="muted">Items flagged unsure or bad input, and conflicts, come here for a reviewer.</p>
        </div>
      )}
      {list?.map((e) => (
        <EscalationCard
          key={e.decision.rowid}
          e={e}
          reviewer={reviewer}
          labels={labels}
          reasons={reasons}
          colors={colors}
          onAct={(form) => act(e.decision.rowid, form)}
        />
      ))}
    </div>
  );
}

function EscalationCard({
  e,
  reviewer,
  labels,
  reasons,
  colors,
  onAct,
}: {
  e: EscalationDto;
  reviewer: boolean;
  labels: readonly LabelInfo[];
  reasons: readonly ReasonDto[];
  colors: Map<string, string>;
  onAct: (form: EscalationForm) => Promise<string | null>;
}) {
  const [open, setOpen] = useState<"override" | "send_back" | null>(null);
  const [label, setLabel] = useState("");
  const [reason, setReason] = useState<string | null>(null);
  const [to, setTo] = useState<string | null>(null);
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const targets = sendBackTargets(e);
  const d = e.decision;

  const run = async (form: EscalationForm) => {
    setBusy(true);
    setError(await onAct(form));
    setBusy(false);
  };

  return (
    <section className="escalation" data-testid="escalation" data-rowid={d.rowid} data-reasons={e.reasons.join(",")}>
      <div className="escalation-head">
        <span className="mono">{d.itemId}</span>
        {e.reasons.map((r) => (
          <span key={r} className={`tag escalation-reason ${r}`}>
            {REASON_TEXT[r] ?? r}
          </span>
        ))}
        <span className="escalation-votes">
          {d.votes.map((v) => (
            <span key={`${v.annotator}-${v.annotation}`} className="small">
              {v.annotator} <LabelChip label={v.label} colors={colors} />
            </span>
          ))}
        </span>
      </div>
      {e.flags.map((f) => (
        <p key={`${f.annotator}-${f.at}`} className="small escalation-flag">
          <strong>{f.annotator}</strong> flagged it {REASON_TEXT[f.flag] ?? f.flag}
          {f.note ? <> — “{f.note}”</> : null}
        </p>
      ))}
      {e.previous && (
        <p className="small muted">
          Earlier: {ACTION_TEXT[e.previous.action] ?? e.previous.action} by {e.previous.by}
          {e.previous.to ? ` to ${e.previous.to}` : ""}
          {e.previous.note ? ` — “${e.previous.note}”` : ""}
        </p>
      )}
      {reviewer && (
        <div className="escalation-actions">
          <button
            type="button"
            className="button small"
            data-testid="escalation-accept"
            disabled={busy || !canAccept(e)}
            title={canAccept(e) ? "The labels stand as they are" : "A conflict needs a label: override it"}
            onClick={() => void run({ verb: "accept", note })}
          >
            Accept
          </button>
          <button type="button" className="button small" data-testid="escalation-override-open" onClick={() => setOpen(open === "override" ? null : "override")}>
            Override…
          </button>
          <button type="button" className="button small" data-testid="escalation-send-back-open" onClick={() => setOpen(open === "send_back" ? null : "send_back")}>
            Send back…
          </button>
        </div>
      )}
      {reviewer && open === "override" && (
        <div className="escalation-form">
          <select aria-label="Label" value={label} onChange={(ev) => setLabel(ev.target.value)}>
            <option value="">Label…</option>
            {labels.map((l) => (
              <option key={l.name} value={l.name}>
                {l.name}
              </option>
            ))}
          </select>
          <select aria-label="Reason" value={reason ?? ""} onChange={(ev) => setReason(ev.target.value || null)}>
            <option value="">{e.reasons.includes("conflict") ? "No reason (deciding a conflict)" : "Reason…"}</option>
            {reasons.map((r) => (
              <option key={r.code} value={r.code}>
                {r.code}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="button small primary"
            data-testid="escalation-override"
            disabled={busy}
            onClick={() => void run({ verb: "override", label, reason, note })}
          >
            Decide
          </button>
        </div>
      )}
      {reviewer && open === "send_back" && (
        <div className="escalation-form">
          {targets.length > 1 && (
            <select aria-label="Send back to" value={to ?? ""} onChange={(ev) => setTo(ev.target.value || null)}>
              <option value="">To…</option>
              {targets.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          )}
          <input
            aria-label="Note"
            className="escalation-note"
            placeholder="What to look at again"
            value={note}
            onChange={(ev) => setNote(ev.target.value)}
          />
          <button
            type="button"
            className="button small primary"
            data-testid="escalation-send-back"
            disabled={busy}
            onClick={() => void run({ verb: "send_back", to: targets.length === 1 ? (targets[0] ?? null) : to, note })}
          >
            Send back
          </button>
        </div>
      )}
      {error && (
        <p className="form-error small" role="alert" data-testid="escalation-error">
          {error}
        </p>
      )}
    </section>
  );
}
