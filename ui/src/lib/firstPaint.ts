/**
 * "First useful paint": the moment the project's item grid first shows `FIRST_PAINT_THUMBS`
 * loaded thumbnails (or every cell it shows, when fewer), in ms since the window's navigation
 * started (`performance.now()`), painted (a requestAnimationFrame after the last load). Stored
 * once in `window.__arbiterFirstPaint` and as the performance mark `arbiter:first-useful-paint`,
 * which `tests/e2e/bench-first-paint.mjs` reads.
 */

declare global {
  interface Window {
    __arbiterFirstPaint?: number;
  }
}

export const FIRST_PAINT_THUMBS = 12;

/** Counts thumbnail loads until the first useful paint has been recorded. */
export class FirstPaintProbe {
  private loaded = 0;
  private done = false;

  constructor(
    private readonly record: (ms: number) => void,
    private readonly now: () => number = () => performance.now(),
    private readonly nextFrame: (f: () => void) => void = (f) => requestAnimationFrame(() => f()),
  ) {}

  /** A thumbnail finished loading; `shown` is how many cells with media the grid shows. */
  thumbLoaded(shown: number) {
    if (this.done) return;
    this.loaded += 1;
    if (this.loaded >= Math.min(FIRST_PAINT_THUMBS, Math.max(1, shown))) {
      this.done = true;
      this.nextFrame(() => this.record(this.now()));
    }
  }

  get recorded(): boolean {
    return this.done;
  }
}

function recordFirstPaint(ms: number) {
  if (window.__arbiterFirstPaint !== undefined) return;
  window.__arbiterFirstPaint = Math.round(ms * 10) / 10;
  performance.mark?.("arbiter:first-useful-paint");
}

/** The app's one probe (the first grid shown after start-up). */
export const firstPaint = new FirstPaintProbe(recordFirstPaint);
