/**
 * "Next item" latency: from the keydown that finishes an item to the next item's image being on
 * screen (its `<img>` has loaded and a requestAnimationFrame has come). Each transition's time in
 * ms is appended to `window.__arbiterLatencies`, which the WebDriver test reads to report p95.
 */

declare global {
  interface Window {
    __arbiterLatencies?: number[];
  }
}

/** Entries kept in `window.__arbiterLatencies` (oldest dropped first). */
export const LATENCY_LIMIT = 20_000;

/** The p-th percentile (0 < p ≤ 100) by the nearest-rank method; null for no values. */
export function percentile(values: readonly number[], p: number): number | null {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return null;
  const sorted = [...v].sort((a, b) => a - b);
  const rank = Math.ceil((Math.min(100, Math.max(0, p)) / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? null;
}

export function p95(values: readonly number[]): number | null {
  return percentile(values, 95);
}

export interface LatencySummary {
  n: number;
  p50: number | null;
  p95: number | null;
  max: number | null;
}

export function summarise(values: readonly number[]): LatencySummary {
  return {
    n: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    max: values.length ? Math.max(...values) : null,
  };
}

/** The global log the e2e test reads (created on first use). */
export function latencyLog(): number[] {
  const w = window;
  if (!Array.isArray(w.__arbiterLatencies)) w.__arbiterLatencies = [];
  return w.__arbiterLatencies;
}

export function recordLatency(ms: number, log: number[] = latencyLog()) {
  if (!Number.isFinite(ms) || ms < 0) return;
  log.push(Math.round(ms * 10) / 10);
  if (log.length > LATENCY_LIMIT) log.splice(0, log.length - LATENCY_LIMIT);
}

/**
 * One transition at a time: `begin` at keydown (with the rowid expected next, or null when
 * nothing is buffered and whatever comes next counts), `painted` when an item's image is on
 * screen — it returns the elapsed ms if that completes the transition. A newer `begin`
 * replaces an unfinished one (its image never made it to the screen).
 */
export class TransitionProbe {
  private pending: { t0: number; rowid: number | null } | null = null;

  begin(t0: number, rowid: number | null) {
    this.pending = { t0, rowid };
  }

  cancel() {
    this.pending = null;
  }

  get waitingFor(): number | null | undefined {
    return this.pending ? this.pending.rowid : undefined;
  }

  painted(rowid: number, now: number): number | null {
    const p = this.pending;
    if (!p || (p.rowid !== null && p.rowid !== rowid)) return null;
    this.pending = null;
    return now - p.t0;
  }
}
