import type { ItemQuery } from "../bindings/ItemQuery";
import type { ItemSort } from "../bindings/ItemSort";

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
}

export const DEFAULT_GRID_QUERY: GridQuery = { label: null, run: null, predicted: null, sort: "source" };

export const SORT_OPTIONS: { value: ItemSort; text: string }[] = [
  { value: "source", text: "Source order" },
  { value: "confidence_asc", text: "Least confident first" },
  { value: "confidence_desc", text: "Most confident first" },
];

/** Drops what the backend would reject: sorting or filtering by prediction without a run. */
export function normaliseGridQuery(q: GridQuery): GridQuery {
  if (q.run === null) return { label: q.label, run: null, predicted: null, sort: "source" };
  return { label: q.label, run: q.run, predicted: q.predicted === "" ? null : q.predicted, sort: q.sort };
}

/** The `list_items` query for one page. */
export function buildItemQuery(versionId: number, q: GridQuery, offset: number, limit: number): ItemQuery {
  const n = normaliseGridQuery(q);
  return { versionId, offset, limit, label: n.label, run: n.run, predicted: n.predicted, sort: n.sort };
}

/**
 * Identity of a listing: one page cache (and one grid instance) per key. Two queries with the
 * same key list the same items in the same order.
 */
export function gridQueryKey(versionId: number | null, q: GridQuery): string {
  const n = normaliseGridQuery(q);
  return JSON.stringify([versionId, n.label, n.run, n.predicted, n.sort]);
}

/** `<select>` value for "All" in the predicted-class filter. */
export const PREDICTED_ALL = "__all__";

export function predictedValue(predicted: string | null): string {
  return predicted === null ? PREDICTED_ALL : predicted;
}

export function predictedFromValue(value: string): string | null {
  return value === PREDICTED_ALL ? null : value;
}
