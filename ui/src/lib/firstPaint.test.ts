import { describe, expect, it } from "vitest";
import { FIRST_PAINT_THUMBS, FirstPaintProbe } from "./firstPaint";

describe("first useful paint", () => {
  const probe = (shown: number) => {
    const times: number[] = [];
    let clock = 0;
    const p = new FirstPaintProbe((ms) => times.push(ms), () => clock, (f) => f());
    const load = (n: number) => {
      for (let i = 0; i < n; i++) {
        clock += 10;
        p.thumbLoaded(shown);
      }
    };
    return { p, times, load };
  };

  it("records once, when enough thumbnails have loaded", () => {
    const { p, times, load } = probe(200);
    load(FIRST_PAINT_THUMBS - 1);
    expect(times).toEqual([]);
    expect(p.recorded).toBe(false);
    load(1);
    expect(times).toEqual([FIRST_PAINT_THUMBS * 10]);
    load(30);
    expect(times).toHaveLength(1);
  });

  it("waits for every cell when the grid shows fewer than the threshold", () => {
    const { times, load } = probe(3);
    load(2);
    expect(times).toEqual([]);
    load(1);
    expect(times).toEqual([30]);
  });
});
