import { describe, expect, it } from "vitest";
import {
  MAX_SCALE,
  MIN_SCALE,
  centredView,
  clampPan,
  clampScale,
  fitScale,
  fitView,
  describeZoom,
  formatZoom,
  stepScale,
  wheelFactor,
  zoomAt,
} from "./zoom";

describe("fitScale", () => {
  it("scales a large image down to the limiting dimension", () => {
    expect(fitScale({ width: 4000, height: 1000 }, { width: 800, height: 600 })).toBeCloseTo(0.2);
    expect(fitScale({ width: 1000, height: 4000 }, { width: 800, height: 600 })).toBeCloseTo(0.15);
  });

  it("blows a tiny image up by a whole factor so pixels stay square and even", () => {
    // 8x8 in 800x600: 75x exactly
    expect(fitScale({ width: 8, height: 8 }, { width: 800, height: 600 })).toBe(75);
    // 28x28 in 800x600 -> 21.43 -> 21
    expect(fitScale({ width: 28, height: 28 }, { width: 800, height: 600 })).toBe(21);
    // without integer snapping
    expect(fitScale({ width: 28, height: 28 }, { width: 800, height: 600 }, 0, false)).toBeCloseTo(600 / 28);
  });

  it("respects padding", () => {
    expect(fitScale({ width: 100, height: 100 }, { width: 232, height: 232 }, 16)).toBe(2);
  });

  it("is clamped and robust to degenerate input", () => {
    expect(fitScale({ width: 1, height: 1 }, { width: 5000, height: 5000 })).toBe(MAX_SCALE);
    expect(fitScale({ width: 10_000_000, height: 10 }, { width: 800, height: 600 })).toBe(MIN_SCALE);
    expect(fitScale({ width: 0, height: 10 }, { width: 800, height: 600 })).toBe(1);
  });
});

describe("centredView / fitView", () => {
  it("centres the scaled image on whole pixels", () => {
    expect(centredView({ width: 8, height: 8 }, { width: 800, height: 600 }, 75)).toEqual({ scale: 75, x: 100, y: 0 });
    const v = fitView({ width: 640, height: 427 }, { width: 900, height: 700 }, 16);
    expect(v.scale).toBe(1);
    expect(v.x).toBe(130);
    expect(Number.isInteger(v.y)).toBe(true);
  });
});

describe("clampScale", () => {
  it("clamps to the allowed range and rejects non-finite values", () => {
    expect(clampScale(0.000001)).toBe(MIN_SCALE);
    expect(clampScale(1e9)).toBe(MAX_SCALE);
    expect(clampScale(3)).toBe(3);
    expect(clampScale(Number.NaN)).toBe(1);
    expect(clampScale(5, 1, 4)).toBe(4);
  });
});

describe("zoomAt", () => {
  it("keeps the image point under the cursor fixed", () => {
    const before = { scale: 2, x: 100, y: 50 };
    const px = 300;
    const py = 250;
    const imgX = (px - before.x) / before.scale; // 100
    const imgY = (py - before.y) / before.scale; // 100
    const after = zoomAt(before, 8, px, py);
    expect(after.scale).toBe(8);
    expect(after.x + imgX * after.scale).toBeCloseTo(px);
    expect(after.y + imgY * after.scale).toBeCloseTo(py);
    expect(after).toEqual({ scale: 8, x: -500, y: -550 });
  });

  it("zooming out and back in returns to the same view", () => {
    const v0 = { scale: 4, x: -37, y: 12 };
    const back = zoomAt(zoomAt(v0, 1, 123, 456), 4, 123, 456);
    expect(back.x).toBeCloseTo(v0.x);
    expect(back.y).toBeCloseTo(v0.y);
  });

  it("clamps the scale, and then anchors with the clamped value", () => {
    const v = zoomAt({ scale: 200, x: 0, y: 0 }, 10_000, 10, 10);
    expect(v.scale).toBe(MAX_SCALE);
    expect(v.x).toBeCloseTo(10 - 10 * (MAX_SCALE / 200));
  });
});

describe("stepScale", () => {
  it("walks the preset ladder", () => {
    expect(stepScale(1, 1)).toBe(1.5);
    expect(stepScale(1, -1)).toBe(0.667);
    expect(stepScale(75, 1)).toBe(96);
    expect(stepScale(75, -1)).toBe(64);
    expect(stepScale(0.3, 1)).toBe(0.333);
  });

  it("stops at the ends", () => {
    expect(stepScale(MAX_SCALE, 1)).toBe(MAX_SCALE);
    expect(stepScale(MIN_SCALE, -1)).toBe(MIN_SCALE);
  });
});

describe("wheelFactor", () => {
  it("zooms in for negative delta and out for positive, symmetrically", () => {
    expect(wheelFactor(-100)).toBeGreaterThan(1);
    expect(wheelFactor(100)).toBeLessThan(1);
    expect(wheelFactor(-100) * wheelFactor(100)).toBeCloseTo(1);
    expect(wheelFactor(0)).toBe(1);
  });

  it("normalises line/page delta modes and caps huge deltas", () => {
    expect(wheelFactor(-3, 1)).toBeCloseTo(wheelFactor(-48, 0));
    expect(wheelFactor(-10_000)).toBeCloseTo(wheelFactor(-200));
  });
});

describe("clampPan", () => {
  const img = { width: 100, height: 100 };
  const vp = { width: 800, height: 600 };
  it("keeps a margin of the image on screen", () => {
    expect(clampPan({ scale: 1, x: 5000, y: -5000 }, img, vp, 48)).toEqual({ scale: 1, x: 752, y: -52 });
    expect(clampPan({ scale: 1, x: 10, y: 20 }, img, vp, 48)).toEqual({ scale: 1, x: 10, y: 20 });
  });
});

describe("formatZoom", () => {
  it("shows a percentage", () => {
    expect(formatZoom(1)).toBe("100%");
    expect(formatZoom(8)).toBe("800%");
    expect(formatZoom(9.994)).toBe("999%");
    expect(formatZoom(0.5)).toBe("50%");
    expect(formatZoom(0.0833)).toBe("8.3%");
    expect(formatZoom(0.01)).toBe("1%");
  });

  it("shows a large zoom (an 8 px image fitted to the view) as a magnification", () => {
    expect(formatZoom(98)).toBe("×98");
    expect(formatZoom(10)).toBe("×10");
    expect(formatZoom(12.4)).toBe("×12");
    expect(formatZoom(256)).toBe("×256");
  });

  it("spells the zoom out for the tooltip", () => {
    expect(describeZoom(98)).toBe("Each image pixel is 98 screen pixels (9,800%)");
    expect(describeZoom(2.5)).toBe("Each image pixel is 2.5 screen pixels (250%)");
    expect(describeZoom(0.5)).toBe("Zoom 50%");
  });
});
