import { describe, expect, it } from "vitest";
import {
  buildItemQuery,
  DEFAULT_GRID_QUERY,
  gridQueryKey,
  isFiltered,
  isReviewFilter,
  normaliseGridQuery,
  predictedFromValue,
  predictedValue,
  PREDICTED_ALL,
  type GridQuery,
} from "./itemQuery";

const q = (over: Partial<GridQuery>): GridQuery => ({ ...DEFAULT_GRID_QUERY, ...over });

describe("gridQueryKey", () => {
  it("differs for every part of the listing: version, label, run, predicted class, sort", () => {
    const base = q({ run: 3 });
    const keys = [
      gridQueryKey(1, base),
      gridQueryKey(2, base),
      gridQueryKey(1, q({ run: 3, label: "cat" })),
      gridQueryKey(1, q({ run: 3, label: "" })),
      gridQueryKey(1, q({ run: 4 })),
      gridQueryKey(1, q({ run: null })),
      gridQueryKey(1, q({ run: 3, predicted: "dog" })),
      gridQueryKey(1, q({ run: 3, sort: "confidence_asc" })),
      gridQueryKey(1, q({ run: 3, sort: "confidence_desc" })),
      gridQueryKey(1, q({ run: 3, review: "decided" })),
      gridQueryKey(1, q({ run: 3, review: "conflict" })),
      gridQueryKey(1, q({ run: 3, annotator: "ana" })),
      gridQueryKey(1, q({ run: 3, mismatch: true })),
      gridQueryKey(1, q({ run: 3, search: "0012" })),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("is stable for equal queries", () => {
    expect(gridQueryKey(5, q({ run: 2, predicted: "cat", sort: "confidence_asc" }))).toBe(
      gridQueryKey(5, { sort: "confidence_asc", predicted: "cat", run: 2, label: null }),
    );
  });

  it("ignores prediction filters and sorting without a run (they list the same items)", () => {
    expect(gridQueryKey(1, q({ predicted: "dog", sort: "confidence_desc" }))).toBe(gridQueryKey(1, q({})));
  });

  it("keeps labels that look like separators apart", () => {
    expect(gridQueryKey(1, q({ label: '1","2' }))).not.toBe(gridQueryKey(1, q({ label: "1" })));
    expect(gridQueryKey(null, q({}))).not.toBe(gridQueryKey(0, q({})));
  });
});

describe("buildItemQuery", () => {
  it("carries run, predicted class and sort", () => {
    expect(buildItemQuery(7, q({ label: "cat", run: 3, predicted: "dog", sort: "confidence_asc" }), 256, 128)).toEqual({
      versionId: 7,
      offset: 256,
      limit: 128,
      label: "cat",
      run: 3,
      predicted: "dog",
      sort: "confidence_asc",
    });
  });

  it("drops what needs a run when there is none", () => {
    expect(buildItemQuery(7, q({ predicted: "dog", sort: "confidence_desc" }), 0, 10)).toEqual({
      versionId: 7,
      offset: 0,
      limit: 10,
      label: null,
      run: null,
      predicted: null,
      sort: "source",
    });
  });

  it("treats an empty predicted class as no filter", () => {
    expect(normaliseGridQuery(q({ run: 1, predicted: "" })).predicted).toBeNull();
  });
});

describe("the review filters", () => {
  it("sends status, annotator, mismatch and search only when set", () => {
    expect(buildItemQuery(7, q({ run: 3, review: "flagged", annotator: "ana", mismatch: true, search: " 00 " }), 0, 10)).toEqual({
      versionId: 7,
      offset: 0,
      limit: 10,
      label: null,
      run: 3,
      predicted: null,
      sort: "source",
      review: "flagged",
      annotator: "ana",
      mismatch: true,
      search: "00",
    });
    const plain = buildItemQuery(7, q({ run: 3, annotator: " ", search: "  " }), 0, 10);
    expect(Object.keys(plain).sort()).toEqual(["label", "limit", "offset", "predicted", "run", "sort", "versionId"]);
  });

  it("drops the mismatch filter without a run (it compares the run's predictions), keeps the others", () => {
    const built = buildItemQuery(7, q({ review: "unannotated", mismatch: true, search: "x" }), 0, 10);
    expect(built.mismatch).toBeUndefined();
    expect(built).toMatchObject({ review: "unannotated", search: "x" });
    expect(gridQueryKey(1, q({ mismatch: true }))).toBe(gridQueryKey(1, q({})));
  });

  it("knows when the listing is narrowed", () => {
    expect(isFiltered(q({}))).toBe(false);
    expect(isFiltered(q({ run: 2, sort: "confidence_asc" }))).toBe(false);
    expect(isFiltered(q({ search: " " }))).toBe(false);
    for (const over of [{ label: "" }, { review: "decided" as const }, { annotator: "ana" }, { search: "7" }, { run: 1, mismatch: true }])
      expect(isFiltered(q(over))).toBe(true);
  });

  it("recognises the statuses", () => {
    expect(["decided", "conflict", "waiting", "flagged", "unannotated"].every(isReviewFilter)).toBe(true);
    expect(isReviewFilter("pending")).toBe(false);
  });
});

describe("predicted filter values", () => {
  it("round-trips All and class names", () => {
    expect(predictedValue(null)).toBe(PREDICTED_ALL);
    expect(predictedFromValue(PREDICTED_ALL)).toBeNull();
    expect(predictedFromValue(predictedValue("7"))).toBe("7");
  });
});
