import { useVirtualizer, type Range } from "@tanstack/react-virtual";
import {
  memo,
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type MouseEvent,
} from "react";
import type { ItemSummary } from "../bindings/ItemSummary";
import { useCacheVersion } from "../hooks";
import { thumbUrl } from "../ipc";
import {
  GRID_GAP,
  GRID_PADDING,
  gridMetrics,
  isNavKey,
  PREDICTION_LINE_HEIGHT,
  itemRangeForRows,
  moveIndex,
  offsetToRevealRow,
  rowCount,
  scrollScale,
  visibleRowIndexes,
} from "../lib/gridLayout";
import { firstPaint } from "../lib/firstPaint";
import { cellStatus, reviewLines, shownLabel, STATUS_MARK, STATUS_TEXT } from "../lib/itemReview";
import { FALLBACK_LABEL_COLOR } from "../lib/labels";
import type { PageCache } from "../lib/pageCache";
import { formatConfidence, isMismatch, predictionBadge } from "../lib/predictions";

interface Props {
  cache: PageCache<ItemSummary>;
  thumbSize: number;
  activeIndex: number;
  labelColors: Map<string, string>;
  onActivate: (index: number) => void;
  onOpen: (index: number) => void;
  /** Bump to move keyboard focus to the active cell (e.g. after the item view closes). */
  focusToken?: number;
  /** A run is shown: each cell gets a third caption line with the predicted label and confidence. */
  showPredictions?: boolean;
  /** Caption of a cell the shown run has no prediction for and did not fail on ("not in this run" once the run is done). */
  noPredictionText?: string;
}

function indexFromEvent(target: EventTarget | null): number | null {
  const el = (target as HTMLElement | null)?.closest?.("[data-index]") as HTMLElement | null;
  if (!el) return null;
  const i = Number(el.dataset.index);
  return Number.isInteger(i) ? i : null;
}

export function ItemGrid({
  cache,
  thumbSize,
  activeIndex,
  labelColors,
  onActivate,
  onOpen,
  focusToken,
  showPredictions = false,
  noPredictionText = "no prediction",
}: Props) {
  useCacheVersion(cache);
  const total = cache.total ?? 0;
  const scrollRef = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ width: 0, height: 0 });

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const update = () =>
      setSize((prev) =>
        prev.width === el.clientWidth && prev.height === el.clientHeight
          ? prev
          : { width: el.clientWidth, height: el.clientHeight },
      );
    update();
    const ro = new ResizeObserver(update);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const { columns, rowHeight } = gridMetrics(size.width, thumbSize, showPredictions ? PREDICTION_LINE_HEIGHT : 0);
  const rows = rowCount(total, columns);
  const contentHeight = rows * rowHeight + 2 * GRID_PADDING;
  // For huge grids the browser gets a shorter spacer and positions are mapped (factor > 1);
  // the virtualiser then works on "compressed" rows whose physical size is rowHeight / factor.
  const { factor } = scrollScale(contentHeight, size.height);
  const rowsPerViewport = Math.ceil(size.height / rowHeight) + 1;
  const [scrollTop, setScrollTop] = useState(0);

  // Keep the first visible item in place when the layout changes (thumbnail size, window width),
  // and re-read the physical scroll position when the scale factor changes.
  const prevLayout = useRef({ columns, rowHeight, factor });
  useLayoutEffect(() => {
    const prev = prevLayout.current;
    prevLayout.current = { columns, rowHeight, factor };
    const el = scrollRef.current;
    if (!el) return;
    if ((prev.columns !== columns || prev.rowHeight !== rowHeight) && el.scrollTop > 0) {
      const realTop = el.scrollTop * prev.factor;
      const firstItem = Math.floor(Math.max(0, realTop - GRID_PADDING) / prev.rowHeight) * prev.columns;
      el.scrollTop = (Math.floor(firstItem / columns) * rowHeight) / factor;
    }
    setScrollTop(el.scrollTop);
  }, [columns, rowHeight, factor]);

  const rangeExtractor = useCallback((r: Range) => visibleRowIndexes(r, rowsPerViewport), [rowsPerViewport]);
  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight / factor,
    paddingStart: GRID_PADDING / factor,
    paddingEnd: GRID_PADDING / factor + size.height * (1 - 1 / factor),
    overscan: 2,
    rangeExtractor,
  });

  useLayoutEffect(() => {
    virtualizer.measure();
  }, [virtualizer, rowHeight, factor]);

  const vRows = virtualizer.getVirtualItems();
  const firstRow = vRows[0]?.index ?? 0;
  const lastRow = vRows[vRows.length - 1]?.index ?? -1;

  // Fetch the pages of the visible rows (+ overscan) only.
  useEffect(() => {
    if (cache.total === null) return; // the first page (which tells the total) is on its way
    const range = itemRangeForRows(firstRow, lastRow, columns, total);
    if (range) cache.ensureRange(range[0], range[1]);
  }, [cache, firstRow, lastRow, columns, total]);

  // Keep the active item in view (keyboard navigation, item view prev/next, resizing).
  useEffect(() => {
    const el = scrollRef.current;
    if (!el || activeIndex < 0 || activeIndex >= total) return;
    const row = Math.floor(activeIndex / columns);
    const target = offsetToRevealRow(row, rowHeight, el.scrollTop * factor, el.clientHeight);
    if (target !== null) el.scrollTop = target / factor;
  }, [activeIndex, columns, rowHeight, factor, total]);

  // Move DOM focus to the active cell after keyboard navigation or on request.
  const wantFocus = useRef(false);
  const focusActiveCell = () => {
    if (!wantFocus.current || activeIndex < 0) return;
    const cell = scrollRef.current?.querySelector<HTMLElement>(`[data-index="${activeIndex}"]`);
    if (cell) {
      cell.focus({ preventScroll: true });
      wantFocus.current = false;
    }
  };
  // A new token asks for focus; the effect after it (which runs on every render) moves it.
  useLayoutEffect(() => {
    if (focusToken) wantFocus.current = true;
  }, [focusToken]);
  useLayoutEffect(focusActiveCell);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const from = indexFromEvent(e.target) ?? activeIndex;
    if (isNavKey(e.key)) {
      e.preventDefault();
      const next = moveIndex(from, e.key, columns, total, Math.max(1, rowsPerViewport - 2));
      if (next >= 0) {
        wantFocus.current = true;
        onActivate(next);
      }
    } else if ((e.key === "Enter" || e.key === " ") && from >= 0 && from < total) {
      e.preventDefault();
      onActivate(from);
      onOpen(from);
    }
  };

  const onClick = (e: MouseEvent<HTMLDivElement>) => {
    const i = indexFromEvent(e.target);
    if (i === null || i >= total || !cache.get(i)) return;
    onActivate(i);
    onOpen(i);
  };

  const physTop = factor > 1 ? scrollTop : 0;
  const realOffset = physTop * factor;

  return (
    <div
      ref={scrollRef}
      className="grid-scroll"
      data-testid="item-grid"
      role="grid"
      aria-rowcount={rows}
      aria-colcount={columns}
      tabIndex={0}
      onKeyDown={onKeyDown}
      onClick={onClick}
      onScroll={factor > 1 ? (e) => setScrollTop(e.currentTarget.scrollTop) : undefined}
      style={{ ["--thumb" as string]: `${thumbSize}px` }}
      data-compact={thumbSize < 80 ? "" : undefined}
    >
      <div className="grid-spacer" style={{ height: virtualizer.getTotalSize() }}>
        {vRows.map((vr) => {
          const top = physTop + GRID_PADDING + vr.index * rowHeight - realOffset;
          const first = vr.index * columns;
          const last = Math.min(total, first + columns);
          const cells = [];
          for (let i = first; i < last; i++) {
            const item = cache.get(i);
            cells.push(
              <ItemCell
                key={i}
                index={i}
                item={item}
                active={i === activeIndex}
                labelColors={labelColors}
                showPrediction={showPredictions}
                noPredictionText={noPredictionText}
              />,
            );
          }
          return (
            <div
              key={vr.key}
              className="grid-row"
              role="row"
              aria-rowindex={vr.index + 1}
              style={{
                top,
                height: rowHeight - GRID_GAP,
                gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`,
                columnGap: GRID_GAP,
                left: GRID_PADDING,
                right: GRID_PADDING,
              }}
            >
              {cells}
            </div>
          );
        })}
      </div>
    </div>
  );
}

interface CellProps {
  index: number;
  item: ItemSummary | undefined;
  active: boolean;
  labelColors: Map<string, string>;
  showPrediction: boolean;
  noPredictionText: string;
}

function cellTitle(item: ItemSummary, showPrediction: boolean, noPredictionText: string): string {
  let title = item.label ? `${item.id} — given ${item.label}` : item.id;
  for (const line of reviewLines(item)) title += `\n${line}`;
  if (showPrediction) {
    if (item.predicted === null) title += `\nPrediction: ${item.failed ? "failed in this run" : noPredictionText}`;
    else {
      title += `\nPredicted: ${predictionBadge(item.predicted, item.confidence)}`;
      if (isMismatch(item.label, item.predicted)) title += " — differs from the given label";
    }
  }
  return title;
}

export const ItemCell = memo(function ItemCell({ index, item, active, labelColors, showPrediction, noPredictionText }: CellProps) {
  if (!item) {
    return (
      <div className="cell placeholder" role="gridcell" aria-busy="true" data-index={index} tabIndex={-1}>
        <div className="thumb" />
        <div className={`cell-caption${showPrediction ? " with-prediction" : ""}`}>
          <span className="skeleton" style={{ width: "70%" }} />
          <span className="skeleton" style={{ width: "45%" }} />
          {showPrediction && <span className="skeleton" style={{ width: "55%" }} />}
        </div>
      </div>
    );
  }
  const mismatch = showPrediction && isMismatch(item.label, item.predicted);
  const badge = showPrediction ? predictionBadge(item.predicted, item.confidence) : null;
  const shown = shownLabel(item);
  const color = shown.label ? (labelColors.get(shown.label) ?? FALLBACK_LABEL_COLOR) : null;
  const status = cellStatus(item.review);
  return (
    <div
      className={`cell${active ? " active" : ""}${mismatch ? " mismatch" : ""}${item.snippet !== null ? " text-cell" : ""}`}
      role="gridcell"
      aria-selected={active}
      data-testid="grid-cell"
      data-rowid={item.rowid}
      data-id={item.id}
      data-index={index}
      data-review={item.review ?? ""}
      data-final={item.finalLabel ?? ""}
      data-flagged={item.flagged ? "" : undefined}
      data-predicted={showPrediction ? (item.predicted ?? "") : undefined}
      data-confidence={showPrediction && item.confidence !== null ? item.confidence : undefined}
      tabIndex={active ? 0 : -1}
      title={cellTitle(item, showPrediction, noPredictionText)}
    >
      <div className="thumb">
        {(status || item.flagged) && (
          <span
            className="cell-marks"
            role="img"
            aria-label={[status ? STATUS_TEXT[status] : null, item.flagged ? "Flagged" : null].filter(Boolean).join(", ")}
          >
            {status && <span className={`cell-mark ${status}`}>{STATUS_MARK[status]}</span>}
            {item.flagged && <span className="cell-mark flagged">⚑</span>}
          </span>
        )}
        {item.hasMedia ? (
          <img
            src={thumbUrl(item.rowid)}
            loading="lazy"
            decoding="async"
            alt=""
            draggable={false}
            onLoad={(e) => {
              if (!firstPaint.recorded) {
                const grid = e.currentTarget.closest('[data-testid="item-grid"]');
                firstPaint.thumbLoaded(grid ? grid.querySelectorAll(".thumb img").length : 1);
              }
            }}
          />
        ) : item.snippet !== null ? (
          // The review marks sit at the top left: the first line starts after them.
          <p
            className="cell-snippet"
            data-testid="cell-snippet"
            style={{ textIndent: `${((status ? 1 : 0) + (item.flagged ? 1 : 0)) * 17}px` }}
          >
            {item.snippet}
          </p>
        ) : (
          <span className="no-media">no image</span>
        )}
      </div>
      <div className={`cell-caption${showPrediction ? " with-prediction" : ""}`}>
        <span className="cell-id">
          <span className="ltr">{item.id}</span>
        </span>
        {shown.label ? (
          <span className={`cell-label${shown.final ? " final" : ""}`} data-testid="cell-label">
            <span className="dot" style={{ background: color ?? FALLBACK_LABEL_COLOR }} />
            <span className="cell-label-text">{shown.label}</span>
            {shown.changed && <s className="cell-label-given">{shown.given}</s>}
          </span>
        ) : (
          <span className="cell-label unlabeled">
            <span className="cell-label-text">unlabeled</span>
          </span>
        )}
        {showPrediction && (
          <span className="cell-prediction">
            {badge === null ? (
              <span className={`pred-badge none${item.failed ? " failed" : ""}`}>{item.failed ? "failed" : noPredictionText}</span>
            ) : (
              <span className={`pred-badge${mismatch ? " mismatch" : ""}`}>
                <span className="pred-class">{item.predicted}</span>
                {item.confidence !== null && <span className="pred-conf">{` · ${formatConfidence(item.confidence)}`}</span>}
              </span>
            )}
          </span>
        )}
      </div>
    </div>
  );
});
