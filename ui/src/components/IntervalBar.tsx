import type { Estimate } from "../bindings/Estimate";
import { formatPercent } from "../lib/reportData";

/** An accuracy on a 0–100% scale: its 95% interval as a band, the estimate as a point. */
export function IntervalBar({ line }: { line: { estimate: Estimate } }) {
  const e = line.estimate;
  if (e.accuracy === null) return null;
  const low = e.low ?? e.accuracy;
  const high = e.high ?? e.accuracy;
  return (
    <div className="ci-bar" role="img" aria-label={`95% interval ${formatPercent(low)} to ${formatPercent(high)}`}>
      <span className="ci-range" style={{ left: `${low * 100}%`, width: `${Math.max(0.5, (high - low) * 100)}%` }} />
      <span className="ci-point" style={{ left: `${e.accuracy * 100}%` }} />
      <span className="ci-tick" style={{ left: "0%" }}>
        0%
      </span>
      <span className="ci-tick" style={{ left: "50%" }}>
        50%
      </span>
      <span className="ci-tick" style={{ left: "100%" }}>
        100%
      </span>
    </div>
  );
}
