/** The header's progress in the open queue: a bar (done, and lighter what waits for more people) and the counts and pace. */
import type { QueueDto } from "../../bindings/QueueDto";
import { formatCount } from "../../lib/format";
import { donePercent } from "../../lib/pace";
import { queueSummary } from "../../lib/queueForm";
import type { ReviewProgressState } from "./useReviewProgress";

export function ReviewProgress({ queue, progress }: { queue: QueueDto; progress: ReviewProgressState }) {
  const { counts, mine, fresh, line } = progress;
  return (
    <div
      className="review-progress"
      data-testid="review-progress"
      data-done={counts?.done}
      data-total={counts?.total}
      data-mine={mine ?? undefined}
      title={`${queue.name}: ${queueSummary(queue)}. Pace ${line.pace}: items you handled (labels, skips, flags) over the last 10 minutes of this session${
        fresh ? `; ${formatCount(fresh.lastHour)} labels in the last hour, ${formatCount(fresh.labeled)} in all` : ""
      }.`}
    >
      <span className="mini-progress" aria-hidden="true">
        {/* Under the done share, lighter: items waiting for more people (overlap). */}
        <span
          className="mini-progress-fill partial"
          style={{ width: `${donePercent(counts && { done: counts.done + counts.partial, total: counts.total })}%` }}
        />
        <span className="mini-progress-fill" style={{ width: `${donePercent(counts)}%` }} />
      </span>
      <span className="tabular">
        {line.counts}
        {/* A narrow window drops the pace (it is in the tooltip). */}
        <span className="review-pace"> · {line.pace}</span>
      </span>
    </div>
  );
}
