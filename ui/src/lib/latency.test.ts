import { describe, expect, it } from "vitest";
import { latencyLog, LATENCY_LIMIT, p95, percentile, recordLatency, summarise, TransitionProbe } from "./latency";

describe("percentile / p95", () => {
  it("uses the nearest-rank method", () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(p95(v)).toBe(95);
    expect(percentile(v, 50)).toBe(50);
    expect(percentile(v, 100)).toBe(100);
    expect(p95([3, 1, 2])).toBe(3);
    expect(p95([7])).toBe(7);
    expect(p95([])).toBeNull();
  });
  it("is not fooled by order or by non-finite values", () => {
    const v = [40, 10, 20, 30, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200];
    expect(p95(v)).toBe(190);
    expect(p95([Number.NaN, 5, Number.POSITIVE_INFINITY])).toBe(5);
  });
  it("summarises", () => {
    expect(summarise([5, 1, 9])).toEqual({ n: 3, p50: 5, p95: 9, max: 9 });
    expect(summarise([])).toEqual({ n: 0, p50: null, p95: null, max: null });
  });
});

describe("recordLatency", () => {
  it("appends to window.__arbiterLatencies, rounded, bounded", () => {
    delete window.__arbiterLatencies;
    recordLatency(12.3456);
    recordLatency(-1);
    recordLatency(Number.NaN);
    expect(window.__arbiterLatencies).toEqual([12.3]);
    expect(latencyLog()).toBe(window.__arbiterLatencies);
    const log: number[] = [];
    for (let i = 0; i < LATENCY_LIMIT + 5; i++) recordLatency(i, log);
    expect(log.length).toBe(LATENCY_LIMIT);
    expect(log[0]).toBe(5);
  });
});

describe("TransitionProbe", () => {
  it("measures from begin to the expected item's paint", () => {
    const probe = new TransitionProbe();
    expect(probe.painted(1, 5)).toBeNull();
    probe.begin(100, 2);
    expect(probe.painted(1, 110)).toBeNull(); // another item's paint does not count
    expect(probe.painted(2, 112.5)).toBe(12.5);
    expect(probe.painted(2, 130)).toBeNull(); // once
  });
  it("accepts whatever comes next when nothing was buffered, and can be cancelled or replaced", () => {
    const probe = new TransitionProbe();
    probe.begin(0, null);
    expect(probe.painted(9, 80)).toBe(80);
    probe.begin(0, 3);
    probe.begin(50, 4);
    expect(probe.painted(3, 60)).toBeNull();
    expect(probe.painted(4, 60)).toBe(10);
    probe.begin(0, 5);
    probe.cancel();
    expect(probe.painted(5, 10)).toBeNull();
  });
});
