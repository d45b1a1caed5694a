import type { LabelCount } from "../bindings/LabelCount";
import type { LabelInfo } from "../bindings/LabelInfo";

/** `<select>` value for "All" (maps to `label: null` in an ItemQuery). */
export const FILTER_ALL = "__all__";
/** `<select>` value for "Unlabeled" — the same `""` that ItemQuery uses for it. */
export const FILTER_UNLABELED = "";

export interface FilterOption {
  value: string;
  text: string;
  count: number | null;
}

export function filterValue(label: string | null): string {
  return label === null ? FILTER_ALL : label;
}

export function filterFromValue(value: string): string | null {
  return value === FILTER_ALL ? null : value;
}

/**
 * Options for the label filter: All, Unlabeled, then the schema's labels in schema order,
 * then any other label present in the data (alphabetically). Counts from `label_counts`.
 */
export function filterOptions(counts: LabelCount[] | null, labels: LabelInfo[]): FilterOption[] {
  const byLabel = new Map<string | null, number>();
  let total = 0;
  for (const c of counts ?? []) {
    const key = c.label === "" ? null : c.label;
    byLabel.set(key, (byLabel.get(key) ?? 0) + c.count);
    total += c.count;
  }
  const known = counts !== null;
  const count = (l: string | null) => (known ? (byLabel.get(l) ?? 0) : null);
  const opts: FilterOption[] = [
    { value: FILTER_ALL, text: "All", count: known ? total : null },
    { value: FILTER_UNLABELED, text: "Unlabeled", count: count(null) },
  ];
  const schema = [...labels].sort((a, b) => a.position - b.position);
  const seen = new Set<string>();
  for (const l of schema) {
    seen.add(l.name);
    opts.push({ value: l.name, text: l.name, count: count(l.name) });
  }
  const extra = [...byLabel.keys()].filter((l): l is string => l !== null && !seen.has(l)).sort();
  for (const l of extra) opts.push({ value: l, text: l, count: count(l) });
  return opts;
}

export const FALLBACK_LABEL_COLOR = "#8c959f";

export function labelColorMap(labels: LabelInfo[]): Map<string, string> {
  return new Map(labels.map((l) => [l.name, l.color || FALLBACK_LABEL_COLOR]));
}
