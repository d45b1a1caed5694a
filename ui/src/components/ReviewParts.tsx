/** Building blocks shared by the review and conflicts screens. */
import { useEffect, useRef, type CSSProperties, type MouseEvent as ReactMouseEvent, type ReactNode, type Ref } from "react";
import type { ItemPrediction } from "../bindings/ItemPrediction";
import type { LabelInfo } from "../bindings/LabelInfo";
import type { ReasonDto } from "../bindings/ReasonDto";
import type { VoteDto } from "../bindings/VoteDto";
import { formatDateTime, formatRelative } from "../lib/format";
import { summarise } from "../lib/latency";
import { FALLBACK_LABEL_COLOR } from "../lib/labels";
import { reviewBars } from "../lib/predictions";
import type { ShortcutRow } from "../lib/reviewKeys";
import { Modal } from "./Modal";
import { PredictionBars, PredictionError } from "./PredictionBars";
import { reasonText } from "./reviewHooks";

/** Buttons keep the keyboard focus where it was (on the screen), so hotkeys keep working after a click. */
export const keepFocus = (e: ReactMouseEvent) => e.preventDefault();

interface LabelPadProps {
  labels: readonly LabelInfo[];
  onPick: (label: string) => void;
  disabled?: boolean;
  override?: boolean;
  /** The model's predicted class and the dataset's given label (tagged on their buttons). */
  predicted?: string | null;
  given?: string | null;
}

/** Up to this many labels get one full-width row each; more go in two columns. */
const COMPACT_AFTER = 6;

/** One button per schema label, with its colour and hotkey. */
export function LabelPad({ labels, onPick, disabled, override, predicted, given }: LabelPadProps) {
  return (
    <div
      className={`label-pad${override ? " override" : ""}${labels.length > COMPACT_AFTER ? " compact" : ""}`}
      role="group"
      aria-label="Labels"
      data-testid="label-pad"
    >
      {labels.map((l) => (
        <button
          key={l.name}
          type="button"
          className="label-button"
          data-testid="label-button"
          data-label={l.name}
          data-hotkey={l.hotkey ?? ""}
          style={{ "--label-color": l.color || FALLBACK_LABEL_COLOR } as CSSProperties}
          onMouseDown={keepFocus}
          onClick={() => onPick(l.name)}
          disabled={disabled}
          title={`${override ? "Override with" : "Label"} “${l.name}”${l.hotkey ? ` (${l.hotkey.toUpperCase()})` : ""}${l.guideline ? ` — ${l.guideline}` : ""}`}
        >
          <span className="label-swatch" aria-hidden="true" />
          <span className="label-name">{l.name}</span>
          {predicted === l.name && (
            <span className="label-tag model" title="The model's prediction (Enter accepts it)">
              model
            </span>
          )}
          {given === l.name && (
            <span className="label-tag given" title="The dataset's given label">
              given
            </span>
          )}
          {l.hotkey ? <kbd>{l.hotkey.toUpperCase()}</kbd> : <span className="label-nokey" title="No hotkey" />}
        </button>
      ))}
    </div>
  );
}

/**
 * The model's top classes as bars (predicted one highlighted, the given label tagged); `aside`
 * goes at the right of the title (the review screen puts the given label there).
 */
export function ReviewPrediction({ prediction, given, aside }: { prediction: ItemPrediction; given: string | null; aside?: ReactNode }) {
  const top = reviewBars(prediction.top, given);
  const more = prediction.top.length - top.length;
  return (
    <section className="review-section" data-testid="review-prediction" data-predicted={prediction.predicted ?? ""}>
      <h3 className="section-title">
        Model{" "}
        <span className="muted normal">
          · run {prediction.run}
          {more > 0 ? ` · top ${top.length} of ${prediction.top.length}` : ""}
        </span>
        {aside}
      </h3>
      {prediction.error && <PredictionError message={prediction.error} />}
      {top.length > 0 && <PredictionBars top={top} predicted={prediction.predicted} given={given} givenTag="given" />}
    </section>
  );
}

/** A label name with its colour dot. */
export function LabelChip({ label, colors }: { label: string | null; colors: Map<string, string> }) {
  if (label === null) return <span className="label-chip unlabeled">none</span>;
  return (
    <span className="label-chip" data-label={label}>
      <span className="dot" style={{ background: colors.get(label) ?? FALLBACK_LABEL_COLOR }} aria-hidden="true" />
      {label}
    </span>
  );
}

function sourceText(source: string): string | null {
  if (source === "accepted_prediction") return "accepted the model";
  if (source === "override") return "override";
  return null;
}

/** Other people's votes on the item (review screen; compact). */
export function VoteList({ votes, colors }: { votes: readonly VoteDto[]; colors: Map<string, string> }) {
  return (
    <ul className="vote-list" data-testid="review-others">
      {votes.map((v) => (
        <li
          key={v.annotation}
          className={`vote-row${v.note || v.reason ? " full" : ""}`}
          data-testid="review-vote"
          data-annotator={v.annotator}
          data-label={v.label}
        >
          <span className="vote-who">{v.annotator}</span>
          <LabelChip label={v.label} colors={colors} />
          {sourceText(v.source) && <span className="vote-source">{sourceText(v.source)}</span>}
          {v.reason && <span className="vote-reason">{reasonText(v.reason)}</span>}
          <span className="vote-time muted" title={formatDateTime(v.createdAt)}>
            {formatRelative(v.createdAt)}
          </span>
          {v.note && <span className="vote-note">“{v.note}”</span>}
        </li>
      ))}
    </ul>
  );
}

/** One vote as a card (conflicts screen: the votes side by side). */
export function VoteCard({ vote, colors }: { vote: VoteDto; colors: Map<string, string> }) {
  return (
    <div className="vote-card" data-testid="conflict-vote" data-annotator={vote.annotator} data-label={vote.label}>
      <div className="vote-card-head">
        <span className="vote-who">{vote.annotator}</span>
        <span className="vote-time muted" title={formatDateTime(vote.createdAt)}>
          {formatRelative(vote.createdAt)}
        </span>
      </div>
      <LabelChip label={vote.label} colors={colors} />
      <div className="vote-card-meta">
        {sourceText(vote.source) && <span className="vote-source">{sourceText(vote.source)}</span>}
        <span className={vote.reason ? "vote-reason" : "muted"}>{vote.reason ? reasonText(vote.reason) : "no reason"}</span>
      </div>
      {vote.note ? <div className="vote-note">“{vote.note}”</div> : null}
    </div>
  );
}

interface ReasonPickerProps {
  reasons: readonly ReasonDto[];
  value: string | null;
  onChange: (code: string | null) => void;
  /** Back to the screen (Escape or Enter in the picker, or a pick with the mouse). */
  onDone: () => void;
  testId: string;
  selectRef?: Ref<HTMLSelectElement>;
  disabled?: boolean;
}

/** A select of the reason codes. Escape/Enter return to the screen; a mouse pick does too. */
export function ReasonPicker({ reasons, value, onChange, onDone, testId, selectRef, disabled }: ReasonPickerProps) {
  const byKeyboard = useRef(false);
  return (
    <select
      ref={selectRef}
      data-testid={testId}
      className="reason-select"
      value={value ?? ""}
      disabled={disabled}
      onKeyDown={(e) => {
        byKeyboard.current = true;
        if (e.key === "Enter") {
          e.preventDefault();
          onDone();
        }
      }}
      onPointerDown={() => {
        byKeyboard.current = false;
      }}
      onChange={(e) => {
        onChange(e.target.value || null);
        if (!byKeyboard.current) onDone();
      }}
    >
      <option value="">No reason</option>
      {reasons.map((r) => (
        <option key={r.code} value={r.code} title={r.description}>
          {reasonText(r.code)}
        </option>
      ))}
    </select>
  );
}

interface ReasonNoteFieldsProps {
  reasons: readonly ReasonDto[];
  reason: string | null;
  note: string;
  onReason: (code: string | null) => void;
  onNote: (note: string) => void;
  /** Back to the screen (Enter in either field, Escape, a mouse pick of a reason). */
  onDone: () => void;
  reasonTestId: string;
  noteTestId: string;
  reasonRef?: Ref<HTMLSelectElement>;
  noteRef?: Ref<HTMLInputElement>;
}

/** The reason picker (key R) and the note field (key N) of a label or a decision. */
export function ReasonNoteFields({ reasons, reason, note, onReason, onNote, onDone, reasonTestId, noteTestId, reasonRef, noteRef }: ReasonNoteFieldsProps) {
  return (
    <>
      <label className="review-row">
        <span className="review-row-label">
          Reason <kbd>R</kbd>
        </span>
        <ReasonPicker reasons={reasons} value={reason} onChange={onReason} onDone={onDone} testId={reasonTestId} selectRef={reasonRef} />
      </label>
      <label className="review-row">
        <span className="review-row-label">
          Note <kbd>N</kbd>
        </span>
        <input
          ref={noteRef}
          type="text"
          data-testid={noteTestId}
          value={note}
          placeholder="Optional — Esc returns"
          autoComplete="off"
          onChange={(e) => onNote(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              onDone();
            }
          }}
        />
      </label>
    </>
  );
}

/** Override needs a reason: pick one with its number key (or click). */
export function ReasonPrompt({
  label,
  reasons,
  onPick,
  onCancel,
}: {
  label: string;
  reasons: readonly ReasonDto[];
  onPick: (code: string) => void;
  onCancel: () => void;
}) {
  const pick = useRef(onPick);
  pick.current = onPick;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const n = Number(e.key);
      const reason = Number.isInteger(n) && n >= 1 ? reasons[n - 1] : undefined;
      if (e.ctrlKey || e.altKey || e.metaKey || !reason) return;
      e.preventDefault();
      e.stopPropagation();
      pick.current(reason.code);
    };
    window.addEventListener("keydown", onKey, true);
    return () => window.removeEventListener("keydown", onKey, true);
  }, [reasons]);
  return (
    <Modal title={`Override with “${label}”: why?`} onClose={onCancel} testId="override-reason-prompt" width={420}>
      <p className="muted small prompt-lead">An override needs a reason. Press its number, or Esc to cancel.</p>
      <ol className="reason-options">
        {reasons.map((r, i) => (
          <li key={r.code}>
            <button type="button" className="reason-option" data-testid="override-reason-option" data-reason={r.code} onClick={() => onPick(r.code)}>
              <kbd>{i + 1}</kbd>
              <span className="reason-option-text">
                <strong>{reasonText(r.code)}</strong>
                <span className="muted">{r.description}</span>
              </span>
            </button>
          </li>
        ))}
      </ol>
    </Modal>
  );
}

/** The `?` sheet: every shortcut for this schema, and the measured next-item latency. */
export function ShortcutSheet({ rows, latencies, onClose }: { rows: readonly ShortcutRow[]; latencies: readonly number[]; onClose: () => void }) {
  const s = summarise(latencies);
  return (
    <div className="shortcut-layer" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="shortcut-sheet" data-testid="shortcut-sheet" role="dialog" aria-label="Keyboard shortcuts">
        <header className="shortcut-head">
          <h2>Keyboard</h2>
          <button type="button" className="icon-button" aria-label="Close" title="Close (Esc)" onClick={onClose}>
            ×
          </button>
        </header>
        <table className="shortcut-table">
          <tbody>
            {rows.map((r, i) => (
              <tr key={i} className={r.shadowedBy ? "shadowed" : undefined}>
                <td className="shortcut-keys">
                  {r.keys.map((k, j) => (
                    <kbd key={j}>{k}</kbd>
                  ))}
                </td>
                <td>
                  {r.text}
                  {r.shadowedBy && (
                    <span className="muted small">
                      {" "}
                      — the key labels “{r.shadowedBy}”; use <kbd>Alt</kbd>+<kbd>{r.keys[0]}</kbd>
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted small shortcut-foot">
          Keys do nothing while you type in the note or the reason picker — <kbd>Esc</kbd> (or <kbd>Enter</kbd>) returns to
          the item, keeping the text. Holding a key down never labels twice.
          {s.n > 0 && (
            <span data-testid="latency-summary">
              {" "}
              Next item: p95 {s.p95?.toFixed(0)} ms over {s.n} {s.n === 1 ? "item" : "items"}.
            </span>
          )}
        </p>
      </div>
    </div>
  );
}
