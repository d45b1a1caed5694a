/**
 * Pure zoom/pan math for the item view. A view is the image's scale and the position of its
 * top-left corner in viewport pixels.
 */

export interface View {
  scale: number;
  x: number;
  y: number;
}

export interface Size {
  width: number;
  height: number;
}

export const MIN_SCALE = 0.01;
export const MAX_SCALE = 256;

/** Zoom presets used by the +/- buttons and keys. */
export const ZOOM_STEPS: readonly number[] = [
  0.01, 0.02, 0.03, 0.05, 0.0625, 0.1, 0.125, 0.167, 0.25, 0.333, 0.5, 0.667, 1, 1.5, 2, 3, 4, 6, 8, 12,
  16, 24, 32, 48, 64, 96, 128, 192, 256,
];

export function clampScale(scale: number, min = MIN_SCALE, max = MAX_SCALE): number {
  if (!Number.isFinite(scale)) return 1;
  return Math.min(max, Math.max(min, scale));
}

/**
 * Largest scale at which the whole image fits in the viewport (minus `padding` on each side).
 * Upscaling is rounded down to a whole factor (with `integerUpscale`) so that every source
 * pixel becomes the same number of screen pixels: small images stay crisp and even.
 */
export function fitScale(image: Size, viewport: Size, padding = 0, integerUpscale = true): number {
  if (image.width <= 0 || image.height <= 0) return 1;
  const w = Math.max(1, viewport.width - 2 * padding);
  const h = Math.max(1, viewport.height - 2 * padding);
  const s = Math.min(w / image.width, h / image.height);
  return clampScale(integerUpscale && s > 1 ? Math.floor(s) : s);
}

/** The image at `scale`, centred in the viewport. Pixel-aligned so nearest-neighbour pixels stay even. */
export function centredView(image: Size, viewport: Size, scale: number): View {
  const s = clampScale(scale);
  return {
    scale: s,
    x: Math.round((viewport.width - image.width * s) / 2),
    y: Math.round((viewport.height - image.height * s) / 2),
  };
}

export function fitView(image: Size, viewport: Size, padding = 0, integerUpscale = true): View {
  return centredView(image, viewport, fitScale(image, viewport, padding, integerUpscale));
}

/**
 * Zooms to `newScale` keeping the image point under viewport point (px, py) fixed.
 * (px - x) / scale is the image coordinate under the cursor; it must map to (px, py) again.
 */
export function zoomAt(view: View, newScale: number, px: number, py: number): View {
  const s = clampScale(newScale);
  const ratio = s / view.scale;
  return {
    scale: s,
    x: px - (px - view.x) * ratio,
    y: py - (py - view.y) * ratio,
  };
}

/** Next preset above (dir = 1) or below (dir = -1) the current scale. */
export function stepScale(scale: number, dir: 1 | -1): number {
  const eps = 1e-3;
  if (dir > 0) {
    for (const s of ZOOM_STEPS) if (s > scale * (1 + eps)) return s;
    return MAX_SCALE;
  }
  for (let i = ZOOM_STEPS.length - 1; i >= 0; i--) {
    const s = ZOOM_STEPS[i] as number;
    if (s < scale * (1 - eps)) return s;
  }
  return MIN_SCALE;
}

/** Continuous zoom factor for a wheel event (deltaY in pixels; negative = zoom in). */
export function wheelFactor(deltaY: number, deltaMode = 0): number {
  const px = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  const limited = Math.max(-200, Math.min(200, px));
  return Math.exp(-limited * 0.002);
}

/** Keeps at least `margin` px of the image inside the viewport so it cannot be lost by panning. */
export function clampPan(view: View, image: Size, viewport: Size, margin = 48): View {
  const w = image.width * view.scale;
  const h = image.height * view.scale;
  const mx = Math.min(margin, w);
  const my = Math.min(margin, h);
  return {
    scale: view.scale,
    x: Math.min(viewport.width - mx, Math.max(mx - w, view.x)),
    y: Math.min(viewport.height - my, Math.max(my - h, view.y)),
  };
}

/** From this scale up, a zoom reads as a magnification ("×98") rather than a percentage. */
export const MAGNIFICATION_FROM = 10;

/**
 * "100%", "800%", "8.3%", "0.5%"; from ×10 up a magnification, "×12", "×98" — a tiny image fitted
 * to the view would otherwise read "9800%".
 */
export function formatZoom(scale: number): string {
  if (scale >= MAGNIFICATION_FROM) return `×${Math.round(scale)}`;
  const pct = scale * 100;
  if (pct >= 10) return `${Math.round(pct)}%`;
  return `${Math.round(pct * 10) / 10}%`;
}

/** The zoom spelled out, for a tooltip: "Each image pixel is 98 screen pixels (9,800%)". */
export function describeZoom(scale: number): string {
  const pct = `${Math.round(scale * 100).toLocaleString("en-US")}%`;
  if (scale >= 1.5) return `Each image pixel is ${Math.round(scale * 10) / 10} screen pixels (${pct})`;
  return `Zoom ${pct}`;
}
