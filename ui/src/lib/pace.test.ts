import { describe, expect, it } from "vitest";
import {
  conflictNotice,
  donePercent,
  formatItemsPerHour,
  ItemTimer,
  pacePerHour,
  progressParts,
  progressText,
  recordedPace,
} from "./pace";

describe("ItemTimer", () => {
  it("counts the time on the item shown, restarting for a new item", () => {
    let t = 1000;
    const timer = new ItemTimer(() => t);
    expect(timer.seconds()).toBeNull();
    timer.show(1);
    t += 2500;
    expect(timer.seconds()).toBe(2.5);
    timer.show(1); // same item: keeps counting
    t += 500;
    expect(timer.seconds()).toBe(3);
    timer.show(2);
    t += 1234.4;
    expect(timer.seconds()).toBe(1.234);
  });

  it("does not count while paused (window hidden)", () => {
    let t = 0;
    const timer = new ItemTimer(() => t);
    timer.show(7);
    t = 1000;
    timer.pause();
    t = 60_000;
    expect(timer.seconds()).toBe(1);
    timer.resume();
    t = 61_500;
    expect(timer.seconds()).toBe(2.5);
    timer.show(8, false); // shown while hidden
    t = 90_000;
    expect(timer.seconds()).toBe(0);
  });
});

describe("pacePerHour", () => {
  const min = 60_000;
  it("is null during the first minute", () => {
    expect(pacePerHour([10, 20], 30 * 1000, 0)).toBeNull();
  });
  it("rates the session so far, then the last window", () => {
    // 6 items in the first 2 minutes: 180/h.
    const times = [10, 20, 30, 40, 50, 60].map((s) => s * 2000);
    expect(pacePerHour(times, 2 * min, 0)).toBe(180);
    // 30 minutes in, only the last 10 minutes count: 20 items there → 120/h.
    const later = [...Array.from({ length: 50 }, (_, i) => i * 1000), ...Array.from({ length: 20 }, (_, i) => 20 * min + i * 20_000)];
    expect(pacePerHour(later, 30 * min, 0)).toBe(120);
  });
});

describe("formatItemsPerHour / progressText", () => {
  it("formats rates", () => {
    expect(formatItemsPerHour(180)).toBe("180 items/h");
    expect(formatItemsPerHour(1249.6)).toBe("1,250 items/h");
    expect(formatItemsPerHour(2.44)).toBe("2.4 items/h");
    expect(formatItemsPerHour(1)).toBe("1 item/h");
    expect(formatItemsPerHour(null)).toBe("— items/h");
    expect(formatItemsPerHour(Number.NaN)).toBe("— items/h");
  });
  it("makes the progress line", () => {
    expect(progressText({ done: 12, total: 40 }, 180)).toBe("12 / 40 done · 180 items/h");
    expect(progressText({ done: 1200, total: 40000 }, null)).toBe("1,200 / 40,000 done · — items/h");
    expect(progressText(null, null)).toBe("… done · — items/h");
    expect(progressText({ done: 0, total: 60 }, null, 7)).toBe("7 by you · 0 / 60 done · — items/h");
    expect(progressParts({ done: 0, total: 60 }, 180, 7)).toEqual({ counts: "7 by you · 0 / 60 done", pace: "180 items/h" });
  });
  it("computes the done share", () => {
    expect(donePercent({ done: 10, total: 40 })).toBe(25);
    expect(donePercent({ done: 0, total: 0 })).toBe(0);
    expect(donePercent(null)).toBe(0);
  });
});

describe("recordedPace", () => {
  it("is unknown under a minute of data, then labels per hour over the span", () => {
    expect(recordedPace(1, 0)).toBeNull();
    expect(recordedPace(5, 59)).toBeNull();
    expect(recordedPace(1, 3600)).toBeNull();
    expect(recordedPace(2, 60)).toBe(60);
    expect(recordedPace(31, 600)).toBe(180);
    expect(formatItemsPerHour(recordedPace(1, 0))).toBe("— items/h");
  });
});

describe("conflictNotice", () => {
  const votes = [
    { annotator: "ana", label: "3" },
    { annotator: "ben", label: "8" },
  ];
  it("names the other votes to a reviewer", () => {
    expect(conflictNotice("item_7", votes, "ana", true)).toBe("item_7: ben said “8” — it goes to the reviewers.");
  });
  it("never tells an annotator what the others said", () => {
    const text = conflictNotice("item_7", votes, "ana", false);
    expect(text).toBe("item_7: your label differs from another annotator's — it goes to the reviewers.");
    expect(text).not.toContain("ben");
    expect(text).not.toContain("8");
  });
});
