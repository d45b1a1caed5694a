import { useCallback, useEffect, useLayoutEffect, useRef, useState, type RefObject } from "react";
import {
  centredView,
  clampPan,
  fitView,
  stepScale,
  wheelFactor,
  zoomAt,
  type Size,
  type View,
} from "../lib/zoom";

export const FIT_PADDING = 16;

export interface ZoomControls {
  view: View;
  fitted: boolean;
  viewport: Size;
  dragging: boolean;
  zoomIn: () => void;
  zoomOut: () => void;
  fitToView: () => void;
  actualSize: () => void;
}

/**
 * Zoom/pan state for an image of `natural` size shown in `stageRef`.
 * While "fitted" the view follows viewport resizes. Wheel zooms around the cursor,
 * dragging with the primary button pans.
 */
export function useZoom(stageRef: RefObject<HTMLDivElement | null>, natural: Size | null): ZoomControls {
  const [viewport, setViewport] = useState<Size>({ width: 0, height: 0 });
  const [view, setView] = useState<View>({ scale: 1, x: 0, y: 0 });
  const [fitted, setFitted] = useState(true);
  const [dragging, setDragging] = useState(false);

  const state = useRef({ natural, viewport });
  state.current = { natural, viewport };

  useLayoutEffect(() => {
    const el = stageRef.current;
    if (!el) return;
    const update = () =>
      setViewport((p) =>
        p.width === el.clientWidth && p.height === el.clientHeight ? p : { width: el.clientWidth, height: el.clientHeight },
      );
    update();
    const ro = new ResizeObserver(update);
    ro.observe(el);
    return () => ro.disconnect();
  }, [stageRef]);

  // A new image starts fitted.
  const naturalKey = natural ? `${natural.width}x${natural.height}` : "";
  useLayoutEffect(() => {
    setFitted(true);
  }, [naturalKey]);

  useLayoutEffect(() => {
    if (fitted && natural && viewport.width > 0 && viewport.height > 0) {
      setView(fitView(natural, viewport, FIT_PADDING));
    }
  }, [fitted, natural, viewport]);

  const zoomTo = useCallback((scaleOf: (v: View) => number, px?: number, py?: number) => {
    const { natural: img, viewport: vp } = state.current;
    if (!img) return;
    setFitted(false);
    setView((v) => clampPan(zoomAt(v, scaleOf(v), px ?? vp.width / 2, py ?? vp.height / 2), img, vp));
  }, []);

  const zoomIn = useCallback(() => zoomTo((v) => stepScale(v.scale, 1)), [zoomTo]);
  const zoomOut = useCallback(() => zoomTo((v) => stepScale(v.scale, -1)), [zoomTo]);
  const fitToView = useCallback(() => setFitted(true), []);
  const actualSize = useCallback(() => {
    const { natural: img, viewport: vp } = state.current;
    if (!img) return;
    setFitted(false);
    setView(centredView(img, vp, 1));
  }, []);

  // Wheel zoom (non-passive so the page does not scroll).
  useEffect(() => {
    const el = stageRef.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const rect = el.getBoundingClientRect();
      const f = wheelFactor(e.deltaY, e.deltaMode);
      zoomTo((v) => v.scale * f, e.clientX - rect.left, e.clientY - rect.top);
    };
    el.addEventListener("wheel", onWheel, { passive: false });
    return () => el.removeEventListener("wheel", onWheel);
  }, [stageRef, zoomTo]);

  // Drag to pan.
  useEffect(() => {
    const el = stageRef.current;
    if (!el) return;
    let drag: { id: number; x: number; y: number } | null = null;
    const down = (e: PointerEvent) => {
      if (e.button !== 0 || !state.current.natural) return;
      if ((e.target as HTMLElement).closest("button")) return;
      drag = { id: e.pointerId, x: e.clientX, y: e.clientY };
      el.setPointerCapture?.(e.pointerId);
      setDragging(true);
      e.preventDefault();
    };
    const move = (e: PointerEvent) => {
      if (!drag || e.pointerId !== drag.id) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (dx === 0 && dy === 0) return;
      drag.x = e.clientX;
      drag.y = e.clientY;
      const { natural: img, viewport: vp } = state.current;
      if (!img) return;
      setFitted(false);
      setView((v) => clampPan({ scale: v.scale, x: v.x + dx, y: v.y + dy }, img, vp));
    };
    const up = (e: PointerEvent) => {
      if (!drag || e.pointerId !== drag.id) return;
      drag = null;
      el.releasePointerCapture?.(e.pointerId);
      setDragging(false);
    };
    el.addEventListener("pointerdown", down);
    el.addEventListener("pointermove", move);
    el.addEventListener("pointerup", up);
    el.addEventListener("pointercancel", up);
    return () => {
      el.removeEventListener("pointerdown", down);
      el.removeEventListener("pointermove", move);
      el.removeEventListener("pointerup", up);
      el.removeEventListener("pointercancel", up);
    };
  }, [stageRef]);

  return { view, fitted, viewport, dragging, zoomIn, zoomOut, fitToView, actualSize };
}
