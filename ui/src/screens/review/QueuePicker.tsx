/** The header's queue picker (with each queue's done / total) and its "New queue…" button. */
import type { QueueCounts } from "../../bindings/QueueCounts";
import type { QueueDto } from "../../bindings/QueueDto";
import { keepFocus } from "../../components/ReviewParts";
import { queueOptionText, queueSummary } from "../../lib/queueForm";

const NEW_QUEUE = "__new__";

interface Props {
  /** Null while loading. */
  queues: QueueDto[] | null;
  /** The open queue, and its counts as last read (live, as the progress bar's). */
  queue: QueueDto | null;
  counts: QueueCounts | null;
  /** The list is read again whenever the picker takes the focus. */
  onRefresh: () => void;
  onPick: (queueId: number | null) => void;
  /** Null where the person may not create queues (over HTTP, anyone but a lead). */
  onNew: (() => void) | null;
}

export function QueuePicker({ queues, queue, counts, onRefresh, onPick, onNew }: Props) {
  return (
    <>
      <label className="review-field" title={queue ? queueSummary(queue) : undefined}>
        <span>Queue</span>
        <select
          data-testid="queue-select"
          className="queue-select"
          value={queue ? String(queue.id) : ""}
          onFocus={onRefresh}
          onChange={(e) => {
            const value = e.target.value;
            if (value === NEW_QUEUE) onNew?.();
            else onPick(value === "" ? null : Number(value));
            e.currentTarget.blur();
          }}
        >
          {!queue && (
            <option value="" disabled>
              {queues === null ? "Loading…" : queues.length ? "Choose a queue…" : "No queues yet"}
            </option>
          )}
          {(queues ?? []).map((q) => (
            <option key={q.id} value={String(q.id)}>
              {/* The open queue counts live, as the progress bar does; the others as last listed. */}
              {queueOptionText(q.id === queue?.id && counts ? { ...q, counts } : q)}
            </option>
          ))}
          {onNew && <option value={NEW_QUEUE}>New queue…</option>}
        </select>
      </label>
      {onNew && (
      <button
        type="button"
        className="button small review-new-queue"
        data-testid="queue-new"
        onMouseDown={keepFocus}
        onClick={onNew}
        title="New queue…"
        aria-label="New queue…"
      >
        {/* A narrow window shows only the plus. */}
        <span aria-hidden="true">+</span>
        <span className="review-new-queue-text" aria-hidden="true">
          New queue…
        </span>
      </button>
      )}
    </>
  );
}
