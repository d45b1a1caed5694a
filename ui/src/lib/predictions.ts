/** Display helpers for predicted labels and probabilities. */

/**
 * A probability (0..1) as a whole percentage for compact badges: "98%". Values that are not
 * exactly 0 or 1 never round to "0%" or "100%" (a reviewer reads "100%" as certainty).
 */
export function formatConfidence(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return "—";
  const pct = p * 100;
  if (pct >= 100) return "100%";
  if (pct <= 0) return "0%";
  if (pct >= 99.5) return ">99%";
  if (pct < 0.5) return "<1%";
  return `${Math.round(pct)}%`;
}

/** A probability with one decimal for the item view's bars: "98.3%" (same edge rules). */
export function formatProbability(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return "—";
  const pct = p * 100;
  if (pct >= 100) return "100%";
  if (pct <= 0) return "0%";
  if (pct >= 99.95) return ">99.9%";
  if (pct < 0.05) return "<0.1%";
  return `${pct.toFixed(1)}%`;
}

/** Grid badge text: "7 · 98%"; `null` when the item has no prediction. */
export function predictionBadge(predicted: string | null, confidence: number | null): string | null {
  if (predicted === null) return null;
  return confidence === null ? predicted : `${predicted} · ${formatConfidence(confidence)}`;
}

/** Whether the model disagrees with a given label (unlabeled items never disagree). */
export function isMismatch(label: string | null, predicted: string | null): boolean {
  return label !== null && label !== "" && predicted !== null && label !== predicted;
}

/** Bar width in percent (0..100) for a probability, with a visible sliver for tiny values. */
export function barWidth(p: number): number {
  if (!Number.isFinite(p) || p <= 0) return 0;
  return Math.min(100, Math.max(0.5, p * 100));
}

/** How many of the model's classes the review panel shows (the rest of a softmax is noise there). */
export const REVIEW_BARS = 5;

/**
 * The classes the review panel draws, most probable first: the top `max`, with the given label's
 * class taking the last place when it ranks lower (so the "given" tag is never lost).
 */
export function reviewBars<T extends readonly [string, number]>(top: readonly T[], given: string | null, max = REVIEW_BARS): T[] {
  if (top.length <= max) return [...top];
  const shown = top.slice(0, max);
  if (given !== null && !shown.some(([cls]) => cls === given)) {
    const g = top.find(([cls]) => cls === given);
    if (g) shown[max - 1] = g;
  }
  return shown;
}
