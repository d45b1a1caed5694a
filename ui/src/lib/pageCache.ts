/**
 * Lazily loaded, bounded cache of fixed-size pages over a (possibly huge) remote list.
 *
 * - `ensureRange(first, last)` declares which item indexes are wanted now (visible + overscan);
 *   missing pages are queued, most urgent first, and fetched with bounded concurrency.
 *   Each call replaces the previous wish list, so pages scrolled past before their turn
 *   are never fetched at all.
 * - A page is never requested twice concurrently (in-flight requests are shared).
 * - At most `maxPages` pages are kept; the least recently used ones outside the wanted
 *   range are evicted first.
 * - `refresh()` marks what is loaded out of date: it stays shown until fetched again (the
 *   wanted pages at once, the others dropped), so a list that changed underneath (labels given
 *   elsewhere) is re-read without flashing empty.
 * - After `dispose()` late responses are ignored.
 */

export interface PageResult<T> {
  total: number;
  items: T[];
  /** Some fields are left out for this viewer (as the latest page said). */
  labelsHidden?: boolean;
}

export type FetchPage<T> = (offset: number, limit: number) => Promise<PageResult<T>>;

export interface PageCacheOptions<T> {
  fetchPage: FetchPage<T>;
  pageSize?: number;
  maxPages?: number;
  maxConcurrent?: number;
  /** A failed page is not retried by `ensureRange` before this many ms. */
  retryDelayMs?: number;
  onError?: (error: unknown, page: number) => void;
  now?: () => number;
}

export const DEFAULT_PAGE_SIZE = 256;
export const DEFAULT_MAX_PAGES = 64;
export const DEFAULT_MAX_CONCURRENT = 3;

/** Page numbers covering item indexes `first..=last` (clamped to `total` when known). */
export function pagesForRange(
  first: number,
  last: number,
  pageSize: number,
  total: number | null = null,
): number[] {
  if (!(pageSize > 0)) throw new Error("pageSize must be positive");
  let lo = Math.max(0, Math.floor(first));
  let hi = Math.floor(last);
  if (total !== null) hi = Math.min(hi, total - 1);
  if (hi < lo) return [];
  lo = Math.floor(lo / pageSize);
  hi = Math.floor(hi / pageSize);
  const pages: number[] = [];
  for (let p = lo; p <= hi; p++) pages.push(p);
  return pages;
}

export class PageCache<T> {
  readonly pageSize: number;
  readonly maxPages: number;
  readonly maxConcurrent: number;
  /** Total item count as last reported by the backend; `null` until the first page arrives. */
  total: number | null = null;
  /** Whether the latest page left some fields out for this viewer. */
  labelsHidden = false;
  /** Bumped on every observable change; usable as a `useSyncExternalStore` snapshot. */
  version = 0;

  private readonly fetchPage: FetchPage<T>;
  private readonly retryDelayMs: number;
  private readonly onError?: (error: unknown, page: number) => void;
  private readonly now: () => number;
  /** Loaded pages; Map iteration order is the LRU order (oldest first). */
  private readonly pages = new Map<number, T[]>();
  private readonly inFlight = new Map<number, Promise<T[]>>();
  private readonly failedAt = new Map<number, number>();
  /** Loaded pages read before the last `refresh()`: still shown, fetched again when wanted. */
  private readonly stale = new Set<number>();
  /** Bumped by `refresh()`: a response to a request sent before it is out of date. */
  private epoch = 0;
  private queue: number[] = [];
  private wanted = new Set<number>();
  private readonly listeners = new Set<() => void>();
  private disposed = false;

  constructor(options: PageCacheOptions<T>) {
    this.fetchPage = options.fetchPage;
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    this.maxPages = Math.max(1, options.maxPages ?? DEFAULT_MAX_PAGES);
    this.maxConcurrent = Math.max(1, options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT);
    this.retryDelayMs = options.retryDelayMs ?? 3000;
    this.onError = options.onError;
    this.now = options.now ?? (() => Date.now());
  }

  /** The item at `index`, or `undefined` while its page is not loaded. */
  get(index: number): T | undefined {
    const page = this.pages.get(Math.floor(index / this.pageSize));
    return page?.[index % this.pageSize];
  }

  hasPage(page: number): boolean {
    return this.pages.has(page);
  }

  isInFlight(page: number): boolean {
    return this.inFlight.has(page);
  }

  loadedPages(): number[] {
    return [...this.pages.keys()];
  }

  inFlightPages(): number[] {
    return [...this.inFlight.keys()];
  }

  /** Declares the item indexes currently needed; fetches what is missing. */
  ensureRange(first: number, last: number): void {
    if (this.disposed) return;
    const pages = pagesForRange(first, last, this.pageSize, this.total);
    this.wanted = new Set(pages);
    const now = this.now();
    const queue: number[] = [];
    for (const p of pages) {
      const loaded = this.pages.get(p);
      if (loaded) {
        // bump in LRU order
        this.pages.delete(p);
        this.pages.set(p, loaded);
        if (this.stale.has(p) && !this.inFlight.has(p)) queue.push(p);
        continue;
      }
      if (this.inFlight.has(p)) continue;
      const failed = this.failedAt.get(p);
      if (failed !== undefined && now - failed < this.retryDelayMs) continue;
      queue.push(p);
    }
    this.queue = queue;
    this.pump();
  }

  /** Resolves the item at `index`, fetching its page if needed (shares in-flight requests). */
  async load(index: number): Promise<T | undefined> {
    if (index < 0 || (this.total !== null && index >= this.total)) return undefined;
    const p = Math.floor(index / this.pageSize);
    const items = this.pages.get(p) ?? (await this.request(p));
    return items[index % this.pageSize];
  }

  /**
   * The list may have changed underneath: every loaded page is out of date. Wanted pages are
   * fetched again at once (and shown as they were until then), the others dropped.
   */
  refresh(): void {
    if (this.disposed) return;
    this.epoch++;
    for (const p of [...this.pages.keys()]) {
      if (this.wanted.has(p)) this.stale.add(p);
      else this.pages.delete(p);
    }
    this.failedAt.clear();
    this.queue = [...this.wanted].filter((p) => !this.inFlight.has(p));
    this.pump();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  dispose(): void {
    this.disposed = true;
    this.queue = [];
    this.listeners.clear();
  }

  private pump(): void {
    while (!this.disposed && this.inFlight.size < this.maxConcurrent && this.queue.length > 0) {
      const p = this.queue.shift() as number;
      if ((this.pages.has(p) && !this.stale.has(p)) || this.inFlight.has(p)) continue;
      this.request(p).catch(() => {
        /* reported through onError */
      });
    }
  }

  private request(page: number): Promise<T[]> {
    const existing = this.inFlight.get(page);
    if (existing) return existing;
    const epoch = this.epoch;
    const promise = (async () => {
      try {
        const result = await this.fetchPage(page * this.pageSize, this.pageSize);
        if (!this.disposed) {
          this.failedAt.delete(page);
          this.total = result.total;
          this.labelsHidden = result.labelsHidden === true;
          this.pages.delete(page);
          this.pages.set(page, result.items);
          if (epoch === this.epoch) this.stale.delete(page);
          else {
            // Asked before a refresh: shown for now, asked again.
            this.stale.add(page);
            if (this.wanted.has(page)) this.queue.push(page);
          }
          this.evict();
          this.changed();
        }
        return result.items;
      } catch (err) {
        if (!this.disposed) {
          this.failedAt.set(page, this.now());
          this.onError?.(err, page);
          this.changed();
        }
        throw err;
      } finally {
        this.inFlight.delete(page);
        this.pump();
      }
    })();
    this.inFlight.set(page, promise);
    return promise;
  }

  private evict(): void {
    if (this.pages.size <= this.maxPages) return;
    for (const p of this.pages.keys()) {
      if (this.pages.size <= this.maxPages) break;
      if (!this.wanted.has(p)) {
        this.pages.delete(p);
        this.stale.delete(p);
      }
    }
    // Only wanted pages left and still too many (cap smaller than the visible range).
    for (const p of this.pages.keys()) {
      if (this.pages.size <= this.maxPages) break;
      this.pages.delete(p);
      this.stale.delete(p);
    }
  }

  private changed(): void {
    this.version++;
    for (const l of this.listeners) l();
  }
}
