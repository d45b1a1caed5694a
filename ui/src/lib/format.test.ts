import { describe, expect, it } from "vitest";
import { formatCount, formatJsonValue, formatNumber, formatRelative, plural, splitList } from "./format";

describe("format helpers", () => {
  it("formats counts with separators", () => {
    expect(formatCount(1_000_000)).toBe("1,000,000");
    expect(plural(1, "item")).toBe("1 item");
    expect(plural(2_000, "item")).toBe("2,000 items");
  });

  it("formats feature values compactly", () => {
    expect(formatNumber(null)).toBe("—");
    expect(formatNumber(3)).toBe("3");
    expect(formatNumber(0.123456789)).toBe("0.123457");
    expect(formatNumber(123_456_789.5)).toBe("1.2346e+8");
    expect(formatNumber(0.00001234)).toBe("1.2340e-5");
    expect(formatNumber(Number.NaN)).toBe("NaN");
  });

  it("formats JSON metadata values", () => {
    expect(formatJsonValue("a")).toBe("a");
    expect(formatJsonValue(null)).toBe("—");
    expect(formatJsonValue(true)).toBe("true");
    expect(formatJsonValue({ a: [1, 2] })).toBe('{"a":[1,2]}');
  });

  it("formats relative times", () => {
    const now = new Date("2025-06-10T12:00:00Z");
    expect(formatRelative("2025-06-10T11:59:50Z", now)).toBe("just now");
    expect(formatRelative("2025-06-10T11:55:00Z", now)).toBe("5 minutes ago");
    expect(formatRelative("2025-06-09T12:00:00Z", now)).toBe("yesterday");
    expect(formatRelative("2025-01-01T12:00:00Z", now)).toMatch(/^2025-01-0[12]$/);
    expect(formatRelative("not a date", now)).toBe("not a date");
  });

  it("splits comma lists", () => {
    expect(splitList(" cat, dog,,bird ,cat ")).toEqual(["cat", "dog", "bird"]);
    expect(splitList("")).toEqual([]);
  });
});
