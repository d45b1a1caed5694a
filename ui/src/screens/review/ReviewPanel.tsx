/** The review screen's side panel: the item, why it is queued, the model and others' labels, the label pad, reason and note, and the actions. */
import type { RefObject } from "react";
import type { LabelInfo } from "../../bindings/LabelInfo";
import type { QueueDto } from "../../bindings/QueueDto";
import type { ReasonDto } from "../../bindings/ReasonDto";
import type { ReviewItem } from "../../bindings/ReviewItem";
import type { GuidelinesDto } from "../../bindings/GuidelinesDto";
import { GuidelinesSection } from "./GuidelinesSection";
import { keepFocus, LabelChip, LabelPad, ReasonNoteFields, ReviewPrediction, VoteList } from "../../components/ReviewParts";
import { queueSummary, scoreWords, strategyText } from "../../lib/queueForm";
import type { Draft, sessionPhase } from "../../lib/reviewSession";

/** What the panel's buttons and label pad do (`t0`: when the user asked, for the next-item latency). */
export interface PanelActions {
  label: (label: string, t0: number) => void;
  accept: (t0: number) => void;
  skipItem: (t0: number) => void;
  flag: (flag: "unsure" | "bad_input", t0: number) => void;
  toggleOverride: () => void;
  undo: (t0: number) => void;
}

interface Props {
  queue: QueueDto;
  /** The item on screen (null while loading or saving). */
  current: ReviewItem | null;
  phase: ReturnType<typeof sessionPhase>;
  /** The model, the given label and others' labels are hidden. */
  blind: boolean;
  overrideMode: boolean;
  reviewer: boolean;
  canUndo: boolean;
  labels: readonly LabelInfo[];
  colors: Map<string, string>;
  reasons: readonly ReasonDto[];
  draft: Draft;
  setDraft: (d: Draft) => void;
  focusScreen: () => void;
  reasonRef: RefObject<HTMLSelectElement | null>;
  noteRef: RefObject<HTMLInputElement | null>;
  on: PanelActions;
  /** The labels' guidelines and examples (null until read). */
  guidelines?: GuidelinesDto | null;
}

export function ReviewPanel({
  queue,
  current,
  phase,
  blind,
  overrideMode,
  reviewer,
  canUndo,
  labels,
  colors,
  reasons,
  draft,
  setDraft,
  focusScreen,
  reasonRef,
  noteRef,
  on,
  guidelines = null,
}: Props) {
  return (
    <aside className={`review-panel${overrideMode ? " override" : ""}`} data-testid="review-panel">
      {current ? (
        <>
          <div className="review-panel-body">
            <header className="review-item-head">
              <h2 className="review-item-id mono" data-testid="review-item-id" title={current.itemId}>
                {current.itemId}
              </h2>
              <div
                className="review-item-why small"
                data-testid="review-item-why"
                title={`${queue.name}: ${queueSummary(queue)}${blind ? "" : ` · score ${current.score.toFixed(3)}`}`}
              >
                {/* A blind queue hides the model: its score would tell the prediction's confidence. */}
                {blind ? `blind · ${strategyText(queue.strategy).toLowerCase()} first` : scoreWords(queue.strategy, current.score)}
              </div>
            </header>
            {current.sentBack && (
              <div className="notice warn flat review-sent-back" role="status" data-testid="review-sent-back">
                <div className="notice-body">
                  <div>
                    <strong>Sent back by {current.sentBack.by}</strong>
                  </div>
                  <div className="small">{current.sentBack.note}</div>
                </div>
              </div>
            )}
            {blind ? (
              <p className="review-blind small" data-testid="review-blind">
                <strong>Blind queue.</strong> The model's prediction, the given label and other people's labels are
                hidden — label what you see.
              </p>
            ) : (
              <>
                {current.prediction ? (
                  // The given label sits in the model's title row (the bars tag it too).
                  <ReviewPrediction
                    prediction={current.prediction}
                    given={current.given}
                    aside={
                      <span className="review-given inline" data-testid="review-given" data-label={current.given ?? ""}>
                        <span className="normal muted">given</span>
                        <LabelChip label={current.given} colors={colors} />
                      </span>
                    }
                  />
                ) : (
                  <>
                    <div className="review-given" data-testid="review-given" data-label={current.given ?? ""}>
                      <span className="section-title">Given label</span>
                      <LabelChip label={current.given} colors={colors} />
                    </div>
                    <p className="muted small">The run has no prediction for this item.</p>
                  </>
                )}
                {current.others.length > 0 && (
                  <section className="review-section">
                    <h3 className="section-title">Labels so far</h3>
                    <VoteList votes={current.others} colors={colors} />
                  </section>
                )}
              </>
            )}
            <section className="review-section">
              <h3 className="section-title review-label-title">
                <span>{overrideMode ? "Override with" : "Label"}</span>
                {overrideMode && (
                  <span className="override-badge" data-testid="override-mode">
                    reason: {draft.reason ? draft.reason.replace(/_/g, " ") : "asked next"} · Esc cancels
                  </span>
                )}
              </h3>
              <LabelPad
                labels={labels}
                override={overrideMode}
                predicted={blind ? null : (current.prediction?.predicted ?? null)}
                given={blind ? null : current.given}
                onPick={(l) => on.label(l, performance.now())}
              />
            </section>
            <section className="review-section review-fields">
                <ReasonNoteFields
                  reasons={reasons}
                  reason={draft.reason}
                  note={draft.note}
                  onReason={(reason) => setDraft({ ...draft, reason })}
                  onNote={(note) => setDraft({ ...draft, note })}
                  onDone={focusScreen}
                  reasonTestId="reason-select"
                  noteTestId="note-input"
                  reasonRef={reasonRef}
                  noteRef={noteRef}
                />
              </section>
            <div className="review-actions">
              <button
                type="button"
                className="button small"
                data-testid="review-accept"
                onMouseDown={keepFocus}
                onClick={() => on.accept(performance.now())}
                disabled={blind || !current.prediction?.predicted}
                title="Label it as the model predicted"
              >
                Accept model <kbd>Enter</kbd>
              </button>
              <button type="button" className="button small" data-testid="review-skip" onMouseDown={keepFocus} onClick={() => on.skipItem(performance.now())}>
                Skip <kbd>S</kbd>
              </button>
              <button
                type="button"
                className="button small"
                data-testid="review-flag"
                onMouseDown={keepFocus}
                onClick={() => on.flag("unsure", performance.now())}
                title="Flag as unsure and move on"
              >
                Unsure <kbd>F</kbd>
              </button>
              <button
                type="button"
                className="button small"
                data-testid="review-flag-bad"
                onMouseDown={keepFocus}
                onClick={() => on.flag("bad_input", performance.now())}
                title="Flag as bad input (broken, unreadable, out of scope) and move on"
              >
                Bad input <kbd>⇧F</kbd>
              </button>
              {reviewer && (
                <button
                  type="button"
                  className={`button small${overrideMode ? " pressed-override" : ""}`}
                  data-testid="override-toggle"
                  aria-pressed={overrideMode}
                  onMouseDown={keepFocus}
                  onClick={on.toggleOverride}
                  title="The next label overrides everyone's (needs a reason) — key: the letter O"
                >
                  Override <kbd>O</kbd>
                </button>
              )}
              <button
                type="button"
                className="button small ghost"
                data-testid="review-undo"
                onMouseDown={keepFocus}
                onClick={() => on.undo(performance.now())}
                disabled={!canUndo}
                title="Undo your last action here; its item comes back first"
              >
                Undo <kbd>Ctrl+Z</kbd>
              </button>
            </div>
            <GuidelinesSection guidelines={guidelines} colors={colors} />
          </div>
        </>
      ) : (
        <p className="muted review-panel-wait">{phase === "saving" ? "Saving…" : "Loading…"}</p>
      )}
    </aside>
  );
}
