/** What the review screen shows instead of an item: who is labeling, which queue, and a queue with nothing left. */
import type { AnnotatorDto } from "../../bindings/AnnotatorDto";
import type { Progress } from "../../bindings/Progress";
import type { QueueCounts } from "../../bindings/QueueCounts";
import type { QueueDto } from "../../bindings/QueueDto";
import type { Annotators } from "../../components/reviewHooks";
import { formatCount } from "../../lib/format";
import { queueSummary } from "../../lib/queueForm";

/** While the annotators and queues are read: a quiet placeholder, not a question. */
export function ReviewLoading() {
  return (
    <div className="review-setup" data-testid="review-loading" aria-busy="true">
      <p className="muted">Loading…</p>
    </div>
  );
}

export function ChooseAnnotator({ people, onAdd }: { people: Annotators; onAdd: () => void }) {
  return (
    <div className="review-setup" data-testid="review-choose-annotator">
      <h2>Who is labeling?</h2>
      <p className="muted">Your labels, skips and pace are recorded under this name.</p>
      <div className="setup-list">
        {(people.list ?? []).map((a: AnnotatorDto) => (
          <button key={a.name} type="button" className="setup-choice" data-testid="annotator-choice" data-name={a.name} onClick={() => people.choose(a.name)}>
            <strong>{a.name}</strong>
            <span className="muted">{a.role}</span>
          </button>
        ))}
      </div>
      <button type="button" className="button primary" data-testid="review-add-annotator" onClick={onAdd}>
        Add annotator…
      </button>
    </div>
  );
}

export function ChooseQueue({
  queues,
  onPick,
  onNew,
}: {
  queues: QueueDto[] | null;
  onPick: (q: QueueDto) => void;
  /** Null where the person may not create queues (over HTTP, anyone but a lead). */
  onNew: (() => void) | null;
}) {
  return (
    <div className="review-setup" data-testid="review-choose-queue">
      <h2>Choose a queue</h2>
      <p className="muted">A queue ranks a run's items by how much they need a human.</p>
      <div className="setup-list">
        {(queues ?? []).map((q) => (
          <button key={q.id} type="button" className="setup-choice" data-testid="queue-choice" data-queue={q.id} onClick={() => onPick(q)}>
            <strong>{q.name}</strong>
            <span className="muted small">{queueSummary(q)}</span>
            <span className="tabular small">
              {formatCount(q.counts.done)} / {formatCount(q.counts.total)} done
            </span>
          </button>
        ))}
      </div>
      {onNew ? (
        <button type="button" className="button primary" data-testid="review-choose-new-queue" onClick={onNew}>
          New queue…
        </button>
      ) : (
        (queues ?? []).length === 0 && (
          <p className="muted" data-testid="review-no-queues">
            No queues yet: your project lead creates them.
          </p>
        )
      )}
    </div>
  );
}

interface EmptyProps {
  queue: QueueDto;
  counts: QueueCounts | null;
  /** This annotator's progress in the queue (their own skips and flags); null until read. */
  own: Progress | null;
  canUndo: boolean;
  onRefresh: () => void;
  onUndo: () => void;
  onOtherQueue: () => void;
}

export function ReviewEmpty({ queue, counts, own, canUndo, onRefresh, onUndo, onOtherQueue }: EmptyProps) {
  const c = counts;
  const rows: [string, number | undefined, string, string][] = [
    ["Done", c?.done, "enough labels, or a reviewer's override", "done"],
    ["Waiting for more people", c?.partial, "labeled, but the overlap asks for more annotators", "partial"],
    ["Claimed by others", c?.claimed, "on someone's screen right now", "claimed"],
    ["Not labeled yet", c?.untouched, "", "untouched"],
    // The annotator's own, not everyone's: what they can act on (undo, or ask about).
    ["You skipped", own?.mySkipped, "items of this queue you skipped (they are not handed to you again)", "my-skipped"],
    ["You flagged", own?.myFlagged, "items of this queue you flagged unsure or bad input", "my-flagged"],
  ];
  return (
    <div className="review-empty" data-testid="review-empty">
      <div className="review-empty-icon" aria-hidden="true">
        ✓
      </div>
      <h2>Nothing left for you in this queue</h2>
      <p className="muted">
        <strong>{queue.name}</strong> — {c ? `${formatCount(c.done)} of ${formatCount(c.total)} done.` : "…"} Items you
        labeled or skipped are not handed to you again; others free up when their claims lapse.
      </p>
      <dl className="review-counts tabular" data-testid="review-empty-counts">
        {rows.map(([name, n, hint, key]) => (
          <div key={name} className="review-count" title={hint || undefined} data-count={key}>
            <dt>{name}</dt>
            <dd>{n === undefined ? "…" : formatCount(n)}</dd>
          </div>
        ))}
      </dl>
      <div className="review-empty-actions">
        <button type="button" className="button" data-testid="review-refresh" onClick={onRefresh}>
          Check again
        </button>
        {canUndo && (
          <button type="button" className="button" onClick={onUndo}>
            Undo last <kbd>Ctrl+Z</kbd>
          </button>
        )}
        <button type="button" className="button" onClick={onOtherQueue}>
          Choose another queue
        </button>
      </div>
    </div>
  );
}
