import { useEffect, useImperativeHandle, useLayoutEffect, useRef, useState, type CSSProperties, type ReactNode, type Ref } from "react";
import * as ipc from "../ipc";
import { describeZoom, fitView, formatZoom, type Size } from "../lib/zoom";
import { TextStage } from "./TextStage";
import { FIT_PADDING, useZoom, type ZoomControls } from "./useZoom";

export interface StageItem {
  rowid: number;
  /** Alt text (the item id). */
  alt: string;
  /** A text item's text: shown instead of an image. */
  text?: string | null;
}

interface Props {
  /** `[0]` is shown; the others are loaded and decoded ahead, hidden, so they show at once. */
  items: readonly StageItem[];
  /** The shown image is on screen (loaded, or failed, and a frame has come since). */
  onPainted?: (rowid: number) => void;
  /** Keyboard zoom. */
  controlsRef?: Ref<ZoomControls | null>;
  testId: string;
  /** Extra content at the left of the stage toolbar (the item id…). */
  toolbar?: ReactNode;
  /** Shown on the stage when there is no item. */
  empty?: ReactNode;
  /** Zoom-button test ids get this prefix (`review-zoom-in`…). */
  idPrefix?: string;
}

/** How many images stay mounted (the shown one plus the prefetched ones). */
export const MOUNTED_IMAGES = 4;

type LoadState = Size | "error";

const isSize = (s: LoadState | undefined): s is Size => typeof s === "object";

/**
 * The review image: zoom (wheel, buttons, keys) and pan (drag) with crisp pixels, like the item
 * view. The next items' `<img>`s are already in the DOM — loaded and `decode()`d — so advancing
 * only makes the next one visible: no network, no decode on the critical path.
 */
export function ReviewStage({ items, onPainted, controlsRef, testId, toolbar, empty, idPrefix = "review" }: Props) {
  const stageRef = useRef<HTMLDivElement>(null);
  const [loads, setLoads] = useState<ReadonlyMap<number, LoadState>>(() => new Map());
  const mounted = items.slice(0, MOUNTED_IMAGES);
  const current = mounted[0] ?? null;
  const state = current ? loads.get(current.rowid) : undefined;
  const natural = isSize(state) ? state : null;
  const zoom = useZoom(stageRef, natural);
  useImperativeHandle(controlsRef, () => zoom, [zoom]);

  // Every new item starts fitted (also when it has the same size as the previous one).
  const rowid = current?.rowid ?? null;
  const { fitToView } = zoom;
  useLayoutEffect(() => {
    fitToView();
  }, [rowid, fitToView]);

  // Tell the owner once the shown image is on screen: after its load and the next frame.
  const paintedRef = useRef(onPainted);
  paintedRef.current = onPainted;
  const isText = typeof current?.text === "string";
  const status = isText ? "ok" : state === undefined ? "pending" : isSize(state) ? "ok" : "error";
  useLayoutEffect(() => {
    if (rowid === null || status === "pending") return;
    const frame = requestAnimationFrame(() => paintedRef.current?.(rowid));
    return () => cancelAnimationFrame(frame);
  }, [rowid, status]);

  // Forget the load state of images no longer in hand.
  const keys = mounted.map((m) => m.rowid).join(",");
  useEffect(() => {
    setLoads((prev) => {
      const keep = new Set(keys ? keys.split(",").map(Number) : []);
      if ([...prev.keys()].every((k) => keep.has(k))) return prev;
      return new Map([...prev].filter(([k]) => keep.has(k)));
    });
  }, [keys]);

  const loaded = (id: number, value: LoadState) =>
    setLoads((prev) => (prev.get(id) === value ? prev : new Map(prev).set(id, value)));

  const { view } = zoom;
  const p = idPrefix;

  return (
    <section className="review-viewer">
      <div className="viewer-toolbar review-stage-toolbar">
        <div className="toolbar-group review-stage-title">{toolbar}</div>
        {!isText && (
        <div className="toolbar-group zoom-group">
          <button
            type="button"
            className="button ghost icon"
            data-testid={`${p}-zoom-out`}
            onClick={zoom.zoomOut}
            onMouseDown={(e) => e.preventDefault()}
            disabled={!natural}
            title="Zoom out (−)"
            aria-label="Zoom out"
          >
            −
          </button>
          <span
            className="zoom-level"
            data-testid={`${p}-zoom-level`}
            data-scale={natural ? view.scale : undefined}
            title={natural ? describeZoom(view.scale) : undefined}
            aria-live="polite"
          >
            {natural ? formatZoom(view.scale) : "—"}
          </span>
          <button
            type="button"
            className="button ghost icon"
            data-testid={`${p}-zoom-in`}
            onClick={zoom.zoomIn}
            onMouseDown={(e) => e.preventDefault()}
            disabled={!natural}
            title="Zoom in (+)"
            aria-label="Zoom in"
          >
            +
          </button>
          <button
            type="button"
            className={`button ghost${zoom.fitted ? " pressed" : ""}`}
            data-testid={`${p}-zoom-fit`}
            onClick={zoom.fitToView}
            onMouseDown={(e) => e.preventDefault()}
            disabled={!natural}
            title="Fit to view (0)"
          >
            Fit
          </button>
          <button
            type="button"
            className="button ghost"
            onClick={zoom.actualSize}
            onMouseDown={(e) => e.preventDefault()}
            disabled={!natural}
            title="Actual size"
          >
            1:1
          </button>
        </div>
        )}
      </div>
      <div className={`stage${zoom.dragging ? " dragging" : ""}`} ref={stageRef}>
        {current && isText && <TextStage key={current.rowid} text={current.text ?? ""} testId={`${p}-text`} />}
        {mounted.map((it, i) => {
          if (typeof it.text === "string") return null;
          const s = loads.get(it.rowid);
          const shown = i === 0;
          let style: CSSProperties;
          if (shown && natural) {
            style = {
              left: Math.round(view.x),
              top: Math.round(view.y),
              width: Math.max(1, Math.round(natural.width * view.scale)),
              height: Math.max(1, Math.round(natural.height * view.scale)),
            };
          } else if (isSize(s) && zoom.viewport.width > 0) {
            // Laid out where it will be shown (fitted), but invisible until it is current.
            const v = fitView(s, zoom.viewport, FIT_PADDING);
            style = {
              visibility: "hidden",
              left: v.x,
              top: v.y,
              width: Math.max(1, Math.round(s.width * v.scale)),
              height: Math.max(1, Math.round(s.height * v.scale)),
            };
          } else {
            style = { visibility: "hidden", left: 0, top: 0 };
          }
          if (s === "error") return null;
          return (
            <img
              key={it.rowid}
              className="stage-image"
              data-testid={shown ? testId : undefined}
              data-rowid={it.rowid}
              data-prefetched={shown ? undefined : "true"}
              aria-hidden={shown ? undefined : true}
              src={ipc.mediaUrl(it.rowid)}
              alt={shown ? it.alt : ""}
              draggable={false}
              onLoad={(e) => {
                const img = e.currentTarget;
                const size = { width: img.naturalWidth || 1, height: img.naturalHeight || 1 };
                if (shown) {
                  loaded(it.rowid, size);
                } else {
                  // Decode ahead so showing it costs no decode; record it when both are done.
                  const decoded = typeof img.decode === "function" ? img.decode() : Promise.resolve();
                  decoded.catch(() => {}).finally(() => loaded(it.rowid, size));
                }
              }}
              onError={() => loaded(it.rowid, "error")}
              style={style}
            />
          );
        })}
        {current && state === "error" && (
          <div className="stage-note" data-testid={`${p}-no-image`}>
            No image for this item (or it could not be loaded).
          </div>
        )}
        {!current && empty}
      </div>
    </section>
  );
}
