/** The model's most probable classes as bars (item view and review panel). */
import { barWidth, formatProbability } from "../lib/predictions";

interface Props {
  /** Classes with their probability, most probable first. */
  top: ReadonlyArray<readonly [string, number]>;
  predicted: string | null;
  /** The dataset's given label: its bar is tagged (and marked when the model disagrees). */
  given: string | null;
  /** The tag's text on the given label's bar. */
  givenTag: string;
  /** Tooltips say which bar is the prediction and which the given label. */
  explain?: boolean;
  /** The list's accessible name. */
  ariaLabel?: string;
}

/** One bar a class: the predicted one highlighted, the given label tagged. */
export function PredictionBars({ top, predicted, given, givenTag, explain = false, ariaLabel = "Most probable classes" }: Props) {
  return (
    <ol className="prob-bars" aria-label={ariaLabel}>
      {top.map(([cls, p]) => {
        const isPredicted = cls === predicted;
        const isGiven = given !== null && cls === given;
        const why = explain ? `${isPredicted ? " (predicted)" : ""}${isGiven ? " (given label)" : ""}` : "";
        return (
          <li
            key={cls}
            className={`prob-bar${isPredicted ? " predicted" : ""}${isGiven ? " given" : ""}${isGiven && !isPredicted ? " disagrees" : ""}`}
            data-testid="prob-bar"
            data-class={cls}
            data-probability={p}
            title={`${cls}: ${formatProbability(p)}${why}`}
          >
            <span className="prob-name">
              <span className="prob-name-text">{cls}</span>
              {isGiven && <span className="given-tag">{givenTag}</span>}
            </span>
            <span className="prob-track" aria-hidden="true">
              <span className="prob-fill" style={{ width: `${barWidth(p)}%` }} />
            </span>
            <span className="prob-value tabular">{formatProbability(p)}</span>
          </li>
        );
      })}
    </ol>
  );
}

/** The model's error for an item it could not process. */
export function PredictionError({ message, testId }: { message: string; testId?: string }) {
  return (
    <div className="form-error prediction-error" data-testid={testId}>
      <strong>The model could not process this item</strong>
      <pre className="error-message">{message}</pre>
    </div>
  );
}
