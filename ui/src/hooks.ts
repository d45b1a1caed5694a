import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import type { ItemSummary } from "./bindings/ItemSummary";
import * as ipc from "./ipc";
import { buildItemQuery, gridQueryKey, type GridQuery } from "./lib/itemQuery";
import { PageCache } from "./lib/pageCache";

export const PAGE_SIZE = 256;
/** 96 pages × 256 items ≈ 25k summaries kept in memory at most. */
export const MAX_PAGES = 96;

/**
 * One page cache per listing (version + label filter + run + predicted class + sort, see
 * `gridQueryKey`). A new listing gets a fresh cache (and the grid remounts); the old one is
 * disposed so its late responses are ignored.
 */
export function useItemCache(
  versionId: number | null,
  query: GridQuery,
  onError: (err: unknown) => void,
  viewer: string | null = null,
): PageCache<ItemSummary> | null {
  const [state, setState] = useState<{ key: string; cache: PageCache<ItemSummary> } | null>(null);
  const [errorRef] = useState(() => ({ current: onError }));
  errorRef.current = onError;
  const key = JSON.stringify([gridQueryKey(versionId, query), viewer]);
  const queryRef = useRef(query);
  queryRef.current = query;

  useEffect(() => {
    if (versionId === null) {
      setState(null);
      return;
    }
    const q = queryRef.current;
    const c = new PageCache<ItemSummary>({
      pageSize: PAGE_SIZE,
      maxPages: MAX_PAGES,
      fetchPage: (offset, limit) => ipc.listItems(buildItemQuery(versionId, q, offset, limit), viewer),
      onError: (err) => errorRef.current(err),
    });
    c.ensureRange(0, 0); // learn the total
    setState({ key, cache: c });
    return () => c.dispose();
  }, [key, versionId, viewer, errorRef]);

  // Never hand out the previous listing's cache under a new query (not even for one render).
  return state && state.key === key ? state.cache : null;
}

/** Re-renders the caller whenever the cache changes; returns the cache's version. */
export function useCacheVersion(cache: PageCache<ItemSummary> | null): number {
  const subscribe = useCallback((listener: () => void) => (cache ? cache.subscribe(listener) : () => {}), [cache]);
  const snapshot = useCallback(() => cache?.version ?? -1, [cache]);
  return useSyncExternalStore(subscribe, snapshot);
}

/** Every mounted `usePersistentState` of a key, so a value set by one shows in all of them. */
const persistentListeners = new Map<string, Set<(v: unknown) => void>>();

/**
 * A value kept in `localStorage` under `key`; every component using the same key sees the
 * value any of them sets.
 */
export function usePersistentState<T>(key: string, initial: T): [T, (v: T) => void] {
  const [value, setValue] = useState<T>(() => {
    try {
      const raw = localStorage.getItem(key);
      return raw === null ? initial : (JSON.parse(raw) as T);
    } catch {
      return initial;
    }
  });
  useEffect(() => {
    const mine = (v: unknown) => setValue(v as T);
    let set = persistentListeners.get(key);
    if (!set) persistentListeners.set(key, (set = new Set()));
    set.add(mine);
    return () => {
      set.delete(mine);
      if (set.size === 0) persistentListeners.delete(key);
    };
  }, [key]);
  const set = useCallback(
    (v: T) => {
      try {
        localStorage.setItem(key, JSON.stringify(v));
      } catch {
        /* storage unavailable */
      }
      setValue(v);
      persistentListeners.get(key)?.forEach((l) => l(v));
    },
    [key],
  );
  return [value, set];
}
