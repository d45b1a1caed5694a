import type { ItemQuery } from "../bindings/ItemQuery";
import type { ItemSort } from "../bindings/ItemSort";
import type { ReviewFilter } from "../bindings/ReviewFilter";

/** What the grid shows of a dataset version: everything in an `ItemQuery` except the paging. */
export interface GridQuery {
  /** `null` = all items, `""` = unlabeled only, else one given label. */
  label: string | null;
  /** The run whose predictions are shown, or `null` for none. */
  run: number | null;
  /** Only items the run predicted as this class (needs `run`). */
  predicted: string | null;
  /** Anything but `source` needs `run`. */
  sort: ItemSort;
  /** Only items whose review stands so (null = any). */
  review?: ReviewFilter | null;
  /** Only items this annotator labeled, skipped or flagged (null = anyone). */
  annotator?: string | null;
  /** Only items whose prediction differs from their given label (needs `run`). */
  mismatch?: boolean;
  /** Only items whose id contains this text (case-insensitive; blank = all). */
  search?: string;
}

export const DEFAULT_GRID_QUERY: GridQuery = {
  label: null,
  run: null,
  predicted: null,
  sort: "source",
  review: null,
  annotator: null,
  mismatch: false,
  search: "",
};

/** The review-status filter's choices, in the order the grid offers them. */
export const REVIEW_FILTERS: { value: ReviewFilter; text: string; hint: string }[] = [
  { value: "decided", text: "Decided", hint: "A final label: the votes agree by the rule, or a reviewer decided" },
  { value: "conflict", text: "Conflict", hint: "The votes disagree and no rule decides: waiting for a reviewer" },
  { value: "waiting", text: "Waiting for votes", hint: "Labeled, but the item needs more annotators' labels" },
  { value: "flagged", text: "Flagged", hint: "Someone flagged it unsure or bad input" },
  { value: "unannotated", text: "Unannotated", hint: "Nobody has labeled, skipped or flagged it" },
];

export function isReviewFilter(v: string): v is ReviewFilter {
  return REVIEW_FILTERS.some((f) => f.value === v);
}

type Normalised = Required<GridQuery> & { review: ReviewFilter | null; annotator: string | null };

export const SORT_OPTIONS: { value: ItemSort; text: string }[] = [
  { value: "source", text: "Source order" },
  { value: "confidence_asc", text: "Least confident first" },
  { value: "confidence_desc", text: "Most confident first" },
];

/**
 * Drops what the backend would reject (sorting or filtering by prediction without a run) and
 * fills the optional filters in: a blank search or annotator is none.
 */
export function normaliseGridQuery(q: GridQuery): Normalised {
  const review = q.review ?? null;
  const annotator = q.annotator?.trim() ? q.annotator : null;
  const search = q.search?.trim() ?? "";
  if (q.run === null) return { label: q.label, run: null, predicted: null, sort: "source", review, annotator, mismatch: false, search };
  return {
    label: q.label,
    run: q.run,
    predicted: q.predicted === "" ? null : q.predicted,
    sort: q.sort,
    review,
    annotator,
    mismatch: q.mismatch === true,
    search,
  };
}

/** The `list_items` query for one page (the optional filters only when set). */
export function buildItemQuery(versionId: number, q: GridQuery, offset: number, limit: number): ItemQuery {
  const n = normaliseGridQuery(q);
  const query: ItemQuery = { versionId, offset, limit, label: n.label, run: n.run, predicted: n.predicted, sort: n.sort };
  if (n.review !== null) query.review = n.review;
  if (n.annotator !== null) query.annotator = n.annotator;
  if (n.mismatch) query.mismatch = true;
  if (n.search !== "") query.search = n.search;
  return query;
}

/** Whether anything narrows the listing (a filter the user can clear). */
export function isFiltered(q: GridQuery): boolean {
  const n = normaliseGridQuery(q);
  return n.label !== null || n.predicted !== null || n.review !== null || n.annotator !== null || n.mismatch || n.search !== "";
}

/**
 * Identity of a listing: one page cache (and one grid instance) per key. Two queries with the
 * same key list the same items in the same order.
 */
export function gridQueryKey(versionId: number | null, q: GridQuery): string {
  const n = normaliseGridQuery(q);
  return JSON.stringify([versionId, n.label, n.run, n.predicted, n.sort, n.review, n.annotator, n.mismatch, n.search]);
}

/** `<select>` value for "All" in the predicted-class filter. */
export const PREDICTED_ALL = "__all__";

export function predictedValue(predicted: string | null): string {
  return predicted === null ? PREDICTED_ALL : predicted;
}

export function predictedFromValue(value: string): string | null {
  return value === PREDICTED_ALL ? null : value;
}
