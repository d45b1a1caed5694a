import { describe, expect, it } from "vitest";
import {
  CAPTION_HEIGHT,
  CELL_INSET,
  GRID_GAP,
  GRID_PADDING,
  MIN_CELL_WIDTH,
  columnsForWidth,
  gridMetrics,
  PREDICTION_LINE_HEIGHT,
  itemRangeForRows,
  moveIndex,
  offsetToRevealRow,
  rowCount,
  scrollScale,
  visibleRowIndexes,
} from "./gridLayout";

describe("columnsForWidth", () => {
  it("fits as many minimum-width cells as possible, gaps included", () => {
    // n cells need n*w + (n-1)*gap
    expect(columnsForWidth(1000, 100, 10)).toBe(9); // 9*100 + 8*10 = 980
    expect(columnsForWidth(1090, 100, 10)).toBe(10); // exactly 1090
    expect(columnsForWidth(1089, 100, 10)).toBe(9);
  });

  it("always returns at least one column", () => {
    expect(columnsForWidth(50, 100, 10)).toBe(1);
    expect(columnsForWidth(0, 100)).toBe(1);
    expect(columnsForWidth(Number.NaN, 100)).toBe(1);
  });
});

describe("gridMetrics", () => {
  it("derives columns, stretched cell width and row height from the width", () => {
    const m = gridMetrics(1000, 96);
    const minCell = 96 + 2 * CELL_INSET;
    expect(m.columns).toBe(columnsForWidth(1000 - 2 * GRID_PADDING, minCell, GRID_GAP));
    expect(m.cellWidth).toBeGreaterThanOrEqual(minCell);
    expect(m.columns * m.cellWidth + (m.columns - 1) * GRID_GAP).toBeCloseTo(1000 - 2 * GRID_PADDING);
    expect(m.rowHeight).toBe(96 + 2 * CELL_INSET + CAPTION_HEIGHT + GRID_GAP);
  });

  it("adds the prediction line to the row height, not to the columns", () => {
    const plain = gridMetrics(1000, 96);
    const withPred = gridMetrics(1000, 96, PREDICTION_LINE_HEIGHT);
    expect(withPred.rowHeight).toBe(plain.rowHeight + PREDICTION_LINE_HEIGHT);
    expect(withPred.columns).toBe(plain.columns);
    expect(gridMetrics(1000, 96, -5).rowHeight).toBe(plain.rowHeight);
  });

  it("keeps cells wide enough for captions under small thumbnails", () => {
    const m = gridMetrics(1000, 48);
    expect(m.cellWidth).toBeGreaterThanOrEqual(MIN_CELL_WIDTH);
    expect(m.columns).toBe(columnsForWidth(1000 - 2 * GRID_PADDING, MIN_CELL_WIDTH, GRID_GAP));
  });

  it("gets fewer columns for bigger thumbnails", () => {
    expect(gridMetrics(1000, 160).columns).toBeLessThan(gridMetrics(1000, 64).columns);
  });
});

describe("rowCount / itemRangeForRows", () => {
  it("counts partial rows", () => {
    expect(rowCount(0, 8)).toBe(0);
    expect(rowCount(1, 8)).toBe(1);
    expect(rowCount(16, 8)).toBe(2);
    expect(rowCount(17, 8)).toBe(3);
    expect(rowCount(1_000_000, 9)).toBe(111_112);
  });

  it("maps rows to the item index range, clamped to the total", () => {
    expect(itemRangeForRows(0, 2, 8, 1000)).toEqual([0, 23]);
    expect(itemRangeForRows(10, 12, 8, 100)).toEqual([80, 99]);
    expect(itemRangeForRows(20, 21, 8, 100)).toBeNull();
  });
});

describe("scrollScale", () => {
  it("leaves normal heights alone", () => {
    expect(scrollScale(50_000, 700, 1_000_000)).toEqual({ physicalHeight: 50_000, factor: 1 });
  });

  it("maps a too-tall grid linearly so that both ends stay reachable", () => {
    const content = 20_000_000;
    const vh = 700;
    const { physicalHeight, factor } = scrollScale(content, vh, 8_000_000);
    expect(physicalHeight).toBe(8_000_000);
    // max physical scrollTop maps to max real offset
    expect((physicalHeight - vh) * factor).toBeCloseTo(content - vh);
    expect(0 * factor).toBe(0);
  });
});

describe("offsetToRevealRow", () => {
  const rowH = 150;
  it("does nothing when the row is fully visible", () => {
    expect(offsetToRevealRow(2, rowH, 0, 700)).toBeNull();
  });
  it("scrolls up to a row above the view", () => {
    expect(offsetToRevealRow(3, rowH, 2000, 700)).toBe(GRID_PADDING + 3 * rowH - GRID_PADDING);
  });
  it("scrolls down just enough for a row below the view", () => {
    const target = offsetToRevealRow(10, rowH, 0, 700)!;
    const bottom = GRID_PADDING + 11 * rowH;
    expect(target).toBeGreaterThanOrEqual(bottom - 700);
    expect(target).toBeLessThan(bottom - 700 + rowH);
  });
});

describe("visibleRowIndexes", () => {
  it("applies overscan within bounds", () => {
    expect(visibleRowIndexes({ startIndex: 5, endIndex: 8, overscan: 2, count: 100 }, 10)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(visibleRowIndexes({ startIndex: 0, endIndex: 2, overscan: 2, count: 3 }, 10)).toEqual([0, 1, 2]);
  });
  it("trims an overshooting end to what fits in the viewport", () => {
    expect(visibleRowIndexes({ startIndex: 1000, endIndex: 1040, overscan: 1, count: 100_000 }, 6)).toEqual([
      999, 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007,
    ]);
  });
  it("is empty for an empty grid", () => {
    expect(visibleRowIndexes({ startIndex: 0, endIndex: -1, overscan: 2, count: 0 }, 5)).toEqual([]);
  });
});

describe("moveIndex", () => {
  const cols = 8;
  it("moves by one and by a row", () => {
    expect(moveIndex(10, "ArrowRight", cols, 100)).toBe(11);
    expect(moveIndex(10, "ArrowLeft", cols, 100)).toBe(9);
    expect(moveIndex(10, "ArrowDown", cols, 100)).toBe(18);
    expect(moveIndex(10, "ArrowUp", cols, 100)).toBe(2);
  });
  it("stays within bounds", () => {
    expect(moveIndex(0, "ArrowLeft", cols, 100)).toBe(0);
    expect(moveIndex(99, "ArrowRight", cols, 100)).toBe(99);
    expect(moveIndex(3, "ArrowUp", cols, 100)).toBe(3);
  });
  it("goes to the last item when moving down into a partial last row", () => {
    // 100 items, 8 cols: last row holds 96..99; from 90 down would be 98 (exists)
    expect(moveIndex(90, "ArrowDown", cols, 100)).toBe(98);
    // from 93 down would be 101 -> last item
    expect(moveIndex(93, "ArrowDown", cols, 100)).toBe(99);
    // already on the last row: stay
    expect(moveIndex(97, "ArrowDown", cols, 100)).toBe(97);
  });
  it("supports Home/End/PageUp/PageDown", () => {
    expect(moveIndex(50, "Home", cols, 100)).toBe(0);
    expect(moveIndex(50, "End", cols, 100)).toBe(99);
    expect(moveIndex(50, "PageDown", cols, 1000, 4)).toBe(82);
    expect(moveIndex(50, "PageUp", cols, 1000, 4)).toBe(18);
    expect(moveIndex(10, "PageUp", cols, 1000, 4)).toBe(0);
  });
  it("starts at the first item when nothing is active", () => {
    expect(moveIndex(-1, "ArrowDown", cols, 100)).toBe(0);
    expect(moveIndex(-1, "ArrowDown", cols, 0)).toBe(-1);
  });
});
