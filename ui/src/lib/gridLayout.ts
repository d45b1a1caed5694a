/** Pure layout math for the virtualised item grid. */

export const GRID_GAP = 8;
export const GRID_PADDING = 12;
/** Padding inside a cell around the thumbnail. */
export const CELL_INSET = 6;
/** Two caption lines (item id, label) below the thumbnail. */
export const CAPTION_HEIGHT = 34;
/** The third caption line (predicted label and confidence) shown with a run's predictions. */
export const PREDICTION_LINE_HEIGHT = 20;
export const MIN_THUMB = 48;
/** Cells never get narrower than this, so that ids and labels stay readable under small thumbnails. */
export const MIN_CELL_WIDTH = 80;
export const MAX_THUMB = 192;
export const DEFAULT_THUMB = 96;

/**
 * Browsers cap an element's height (WebKit/Chromium ~33.5M px, Firefox ~17.9M px).
 * Above this height the grid scrolls a shorter "physical" spacer and maps positions.
 */
export const MAX_SCROLL_HEIGHT = 8_000_000;

/** How many cells of at least `minCellWidth` fit in `width` with `gap` between them (>= 1). */
export function columnsForWidth(width: number, minCellWidth: number, gap = GRID_GAP): number {
  if (!(width > 0) || !(minCellWidth > 0)) return 1;
  return Math.max(1, Math.floor((width + gap) / (minCellWidth + gap)));
}

export interface GridMetrics {
  columns: number;
  cellWidth: number;
  rowHeight: number;
}

/**
 * Metrics for a grid of `thumb` px thumbnails in a scroll area `width` px wide (incl. padding);
 * `extraCaption` px are added below the two caption lines (e.g. `PREDICTION_LINE_HEIGHT`).
 */
export function gridMetrics(width: number, thumb: number, extraCaption = 0): GridMetrics {
  const inner = Math.max(0, width - 2 * GRID_PADDING);
  const minCell = Math.max(thumb + 2 * CELL_INSET, MIN_CELL_WIDTH);
  const columns = columnsForWidth(inner, minCell, GRID_GAP);
  const cellWidth = Math.max(minCell, (inner - GRID_GAP * (columns - 1)) / columns);
  const rowHeight = thumb + 2 * CELL_INSET + CAPTION_HEIGHT + Math.max(0, extraCaption) + GRID_GAP;
  return { columns, cellWidth, rowHeight };
}

export function rowCount(total: number, columns: number): number {
  if (total <= 0) return 0;
  return Math.ceil(total / Math.max(1, columns));
}

/** Item indexes `[first, last]` covered by rows `firstRow..=lastRow`, or null when empty. */
export function itemRangeForRows(
  firstRow: number,
  lastRow: number,
  columns: number,
  total: number,
): [number, number] | null {
  const first = Math.max(0, firstRow) * columns;
  const last = Math.min(total - 1, (lastRow + 1) * columns - 1);
  return last >= first ? [first, last] : null;
}

export interface ScrollScale {
  /** Height of the scrollable spacer actually given to the browser. */
  physicalHeight: number;
  /** Real offset = physical scrollTop × factor (1 when no scaling is needed). */
  factor: number;
}

/**
 * Chooses the physical scroll height for content `contentHeight` px tall. When it fits under
 * `max` nothing changes; otherwise physical scrolling is mapped linearly so that both ends
 * of the content stay reachable: (content - viewport) = (physical - viewport) × factor.
 */
export function scrollScale(
  contentHeight: number,
  viewportHeight: number,
  max = MAX_SCROLL_HEIGHT,
): ScrollScale {
  if (contentHeight <= max || viewportHeight >= max) {
    return { physicalHeight: contentHeight, factor: 1 };
  }
  const vh = Math.max(0, viewportHeight);
  return { physicalHeight: max, factor: (contentHeight - vh) / (max - vh) };
}

/**
 * New real scroll offset that makes row `row` fully visible ("auto" alignment), or null
 * when it already is.
 */
export function offsetToRevealRow(
  row: number,
  rowHeight: number,
  currentOffset: number,
  viewportHeight: number,
  padding = GRID_PADDING,
): number | null {
  const top = padding + row * rowHeight;
  const bottom = top + rowHeight;
  if (top < currentOffset + padding) return Math.max(0, top - padding);
  if (bottom > currentOffset + viewportHeight) {
    return Math.max(0, bottom - viewportHeight + Math.min(padding, GRID_GAP));
  }
  return null;
}

/**
 * Trims a virtualiser range to the rows really visible when positions are scaled
 * (the virtualiser sees compressed rows, so its end index overshoots), then adds overscan.
 */
export function visibleRowIndexes(
  range: { startIndex: number; endIndex: number; overscan: number; count: number },
  rowsPerViewport: number,
): number[] {
  if (range.count <= 0) return [];
  const end = Math.min(range.endIndex, range.startIndex + Math.max(1, rowsPerViewport));
  const first = Math.max(0, range.startIndex - range.overscan);
  const last = Math.min(range.count - 1, end + range.overscan);
  const out: number[] = [];
  for (let i = first; i <= last; i++) out.push(i);
  return out;
}

export type NavKey = "ArrowLeft" | "ArrowRight" | "ArrowUp" | "ArrowDown" | "Home" | "End" | "PageUp" | "PageDown";

export function isNavKey(key: string): key is NavKey {
  return (
    key === "ArrowLeft" ||
    key === "ArrowRight" ||
    key === "ArrowUp" ||
    key === "ArrowDown" ||
    key === "Home" ||
    key === "End" ||
    key === "PageUp" ||
    key === "PageDown"
  );
}

/** Index reached from `index` by a navigation key in a grid of `columns` columns. */
export function moveIndex(index: number, key: NavKey, columns: number, total: number, rowsPerPage = 1): number {
  if (total <= 0) return -1;
  const cols = Math.max(1, columns);
  const page = cols * Math.max(1, rowsPerPage);
  let next: number;
  if (index < 0) return 0;
  switch (key) {
    case "ArrowLeft":
      next = index - 1;
      break;
    case "ArrowRight":
      next = index + 1;
      break;
    case "ArrowUp":
      next = index - cols < 0 ? index : index - cols;
      break;
    case "ArrowDown":
      next = index + cols >= total ? (Math.floor(index / cols) < Math.floor((total - 1) / cols) ? total - 1 : index) : index + cols;
      break;
    case "Home":
      next = 0;
      break;
    case "End":
      next = total - 1;
      break;
    case "PageUp":
      next = index - page;
      break;
    case "PageDown":
      next = index + page;
      break;
  }
  return Math.min(total - 1, Math.max(0, next));
}
