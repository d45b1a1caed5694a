/** Time on an item, the annotator's pace and the progress line of the review screen. */

import type { QueueCounts } from "../bindings/QueueCounts";
import { formatCount } from "./format";

/**
 * Seconds spent on the item on screen. Time while the window is hidden (another app, a locked
 * screen) does not count. `show` starts a new item; showing the same item again keeps counting.
 */
export class ItemTimer {
  private key: number | null = null;
  private acc = 0;
  private since: number | null = null;

  constructor(private readonly now: () => number = () => performance.now()) {}

  show(key: number | null, visible = true) {
    if (key === this.key) return;
    this.key = key;
    this.acc = 0;
    this.since = key !== null && visible ? this.now() : null;
  }

  pause() {
    if (this.since !== null) {
      this.acc += this.now() - this.since;
      this.since = null;
    }
  }

  resume() {
    if (this.since === null && this.key !== null) this.since = this.now();
  }

  /** Seconds on the current item (rounded to ms), or null when no item is shown. */
  seconds(): number | null {
    if (this.key === null) return null;
    const ms = this.acc + (this.since !== null ? this.now() - this.since : 0);
    return Math.round(ms) / 1000;
  }

  get current(): number | null {
    return this.key;
  }
}

/**
 * Items handled per hour over the last `windowMs` of the session (`times` are when each was
 * handled); null during the first minute, when there is too little to tell.
 */
export function pacePerHour(
  times: readonly number[],
  now: number,
  sessionStart: number,
  windowMs = 10 * 60_000,
): number | null {
  const from = Math.max(sessionStart, now - windowMs);
  const span = now - from;
  if (span < 60_000) return null;
  const n = times.filter((t) => t >= from && t <= now).length;
  return (n * 3_600_000) / span;
}

/**
 * The backend's pace of an annotator: labels over the span between their first and last label
 * of the last hour (`n` labels make `n − 1` gaps). Null under a minute of data — a pace over a
 * few seconds says nothing (one label was read as "1 item/h").
 */
export function recordedPace(lastHour: number, paceSeconds: number): number | null {
  if (!(paceSeconds >= 60) || !(lastHour >= 2)) return null;
  return ((lastHour - 1) * 3600) / paceSeconds;
}

/** "180 items/h", "1,250 items/h", "— items/h" when unknown. */
export function formatItemsPerHour(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate) || rate < 0) return "— items/h";
  const r = rate >= 10 ? Math.round(rate) : Math.round(rate * 10) / 10;
  return `${formatCount(r)} ${r === 1 ? "item" : "items"}/h`;
}

/**
 * "12 / 40 done · 180 items/h", with the annotator's own count first when known: "7 by you · 12 / 40
 * done · 180 items/h" (in an overlap queue an item is done only once k people have labeled it, so
 * "done" alone does not move while one person works through it).
 */
export function progressText(
  counts: Pick<QueueCounts, "done" | "total"> | null,
  rate: number | null,
  mine: number | null = null,
): string {
  const { counts: c, pace } = progressParts(counts, rate, mine);
  return `${c} · ${pace}`;
}

/** `progressText` in its two parts: the counts ("7 by you · 12 / 40 done") and the pace. */
export function progressParts(
  counts: Pick<QueueCounts, "done" | "total"> | null,
  rate: number | null,
  mine: number | null = null,
): { counts: string; pace: string } {
  const done = counts ? `${formatCount(counts.done)} / ${formatCount(counts.total)} done` : "… done";
  const own = mine === null ? "" : `${formatCount(mine)} by you · `;
  return { counts: `${own}${done}`, pace: formatItemsPerHour(rate) };
}

/** Share of a queue that is done, 0..100. */
export function donePercent(counts: Pick<QueueCounts, "done" | "total"> | null): number {
  if (!counts || counts.total <= 0) return 0;
  return Math.min(100, Math.max(0, (counts.done / counts.total) * 100));
}

/**
 * What the review screen tells an annotator whose label just made a conflict. Who said what is
 * shown to reviewers and leads alone; an annotator never learns other people's labels (the item
 * may come back to them after an undo, and their votes must stay independent).
 */
export function conflictNotice(
  itemId: string,
  votes: readonly { annotator: string; label: string }[],
  me: string,
  mayReveal: boolean,
): string {
  if (!mayReveal) return `${itemId}: your label differs from another annotator's — it goes to the reviewers.`;
  const others = votes.filter((v) => v.annotator !== me);
  const said = others.map((v) => `${v.annotator} said “${v.label}”`).join(", ");
  return `${itemId}: ${said || "the votes disagree"} — it goes to the reviewers.`;
}
