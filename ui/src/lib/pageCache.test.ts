import { describe, expect, it, vi } from "vitest";
import { PageCache, pagesForRange, type PageResult } from "./pageCache";

interface Pending {
  offset: number;
  limit: number;
  resolve: (r: PageResult<number>) => void;
  reject: (e: unknown) => void;
}

/** A fetcher whose requests stay pending until the test settles them. */
function controlledFetcher(total: number) {
  const pending: Pending[] = [];
  const calls: number[] = [];
  const fetchPage = vi.fn((offset: number, limit: number) => {
    calls.push(offset);
    return new Promise<PageResult<number>>((resolve, reject) => pending.push({ offset, limit, resolve, reject }));
  });
  const settle = async (offset: number) => {
    const i = pending.findIndex((p) => p.offset === offset);
    if (i < 0) throw new Error(`no pending request at offset ${offset}`);
    const [p] = pending.splice(i, 1);
    const items = [];
    for (let k = p!.offset; k < Math.min(total, p!.offset + p!.limit); k++) items.push(k);
    p!.resolve({ total, items });
    await flush();
  };
  const fail = async (offset: number, err: unknown) => {
    const i = pending.findIndex((p) => p.offset === offset);
    const [p] = pending.splice(i, 1);
    p!.reject(err);
    await flush();
  };
  return { fetchPage, pending, calls, settle, fail };
}

const flush = () => new Promise<void>((r) => setTimeout(r, 0));

describe("pagesForRange", () => {
  it("covers the visible item range with whole pages", () => {
    expect(pagesForRange(0, 0, 256)).toEqual([0]);
    expect(pagesForRange(0, 255, 256)).toEqual([0]);
    expect(pagesForRange(255, 256, 256)).toEqual([0, 1]);
    expect(pagesForRange(1000, 1600, 256)).toEqual([3, 4, 5, 6]);
  });

  it("clamps to the known total and to zero", () => {
    expect(pagesForRange(-50, 10, 256)).toEqual([0]);
    expect(pagesForRange(0, 10_000, 256, 600)).toEqual([0, 1, 2]);
    expect(pagesForRange(700, 800, 256, 600)).toEqual([]);
    expect(pagesForRange(0, 10, 256, 0)).toEqual([]);
  });

  it("handles a range deep inside a million items", () => {
    expect(pagesForRange(999_900, 1_000_100, 256, 1_000_000)).toEqual([3905, 3906]);
  });

  it("returns nothing for an inverted range", () => {
    expect(pagesForRange(10, 5, 256)).toEqual([]);
  });
});

describe("PageCache", () => {
  it("fetches only the pages of the visible range and serves their items", async () => {
    const f = controlledFetcher(10_000);
    const cache = new PageCache<number>({ fetchPage: f.fetchPage, pageSize: 100, maxConcurrent: 10 });
    cache.ensureRange(150, 320);
    expect(f.calls).toEqual([100, 200, 300]);
    expect(f.pending.every((p) => p.limit === 100)).toBe(true);
    expect(cache.get(150)).toBeUndefined();
    await f.settle(100);
    expect(cache.total).toBe(10_000);
    expect(cache.get(150)).toBe(150);
    expect(cache.get(199)).toBe(199);
    expect(cache.get(200)).toBeUndefined();
  });

  it("never requests the same page twice concurrently", async () => {
    const f = controlledFetcher(1000);
    const cache = new PageCache<number>({ fetchPage: f.fetchPage, pageSize: 100, maxConcurrent: 10 });
    cache.ensureRange(0, 150);
    cache.ensureRange(0, 150);
    cache.ensureRange(50, 120);
    expect(f.calls).toEqual([0, 100]);
    // load() shares the in-flight request too
    const item = cache.load(42);
    expect(f.calls).toEqual([0, 100]);
    await f.settle(0);
    await expect(item).resolves.toBe(42);
    // once loaded it is not fetched again
    cache.ensureRange(0, 99);
    expect(f.calls).toEqual([0, 100]);
  });

  it("bounds concurrency and drops queued pages that scrolled out of view", async () => {
    const f = controlledFetcher(1_000_000);
    const cache = new PageCache<number>({ fetchPage: f.fetchPage, pageSize: 100, maxConcurrent: 2 });
    cache.ensureRange(0, 499); // pages 0..4
    expect(f.calls).toEqual([0, 100]);
    cache.ensureRange(50_000, 50_250); // user flung far away: pages 500..502
    await f.settle(0);
    // the freed slot goes to the new range, not to pages 2..4
    expect(f.calls).toEqual([0, 100, 50_000]);
    await f.settle(100);
    expect(f.calls).toEqual([0, 100, 50_000, 50_100]);
    await f.settle(50_000);
    await f.settle(50_100);
    expect(f.calls).toEqual([0, 100, 50_000, 50_100, 50_200]);
    expect(f.calls).not.toContain(200);
  });

  it("notifies subscribers and bumps the version when pages arrive", async () => {
    const f = controlledFetcher(300);
    const cache = new PageCache<number>({ fetchPage: f.fetchPage, pageSize: 100 });
    const listener = vi.fn();
    const unsubscribe = cache.subscribe(listener);
    const v0 = cache.version;
    cache.ensureRange(0, 0);
    await f.settle(0);
    expect(listener).toHaveBeenCalledTimes(1);
    expect(cache.version).toBeGreaterThan(v0);
    unsubscribe();
    cache.ensureRange(100, 100);
    await f.settle(100);
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it("evicts least recently used pages beyond the cap, keeping the visible ones", async () => {
    const f = controlledFetcher(100_000);
    const cache = new PageCache<number>({ fetchPage: f.fetchPage, pageSize: 10, maxPages: 3, maxConcurrent: 10 });
    for (const p of [0, 1, 2]) {
      cache.ensureRange(p * 10, p * 10);
      await f.settle(p * 10);
    }
    expect(cache.loadedPages().sort()).toEqual([0, 1, 2]);
    // touch page 0 so that page 1 becomes the least recently used
    cache.ensureRange(0, 5);
    cache.ensureRange(30, 39);
    await f.settle(30);
    expect(cache.loadedPages().sort()).toEqual([0, 2, 3]);
    expect(cache.get(15)).toBeUndefined();
    expect(cache.get(5)).toBe(5);
    // a visible range bigger than the cap still keeps as many visible pages as allowed
    cache.ensureRange(100, 139);
    for (const o of [100, 110, 120, 130]) await f.settle(o);
    expect(cache.loadedPages().length).toBe(3);
    expect(cache.loadedPages().every((p) => p >= 10 && p <= 13)).toBe(true);
  });

  it("re-fetches an evicted page when it becomes visible again", async () => {
    const f = controlledFetcher(1000);
    const cache = new PageCache<number>({ fetchPage: f.fetchPage, pageSize: 10, maxPages: 1 });
    cache.ensureRange(0, 0);
    await f.settle(0);
    cache.ensureRange(10, 10);
    await f.settle(10);
    expect(cache.hasPage(0)).toBe(false);
    cache.ensureRange(0, 0);
    expect(f.calls).toEqual([0, 10, 0]);
  });

  it("reports errors, does not hammer a failing page, and retries after the delay", async () => {
    let now = 1000;
    const f = controlledFetcher(1000);
    const onError = vi.fn();
    const cache = new PageCache<number>({
      fetchPage: f.fetchPage,
      pageSize: 10,
      onError,
      retryDelayMs: 500,
      now: () => now,
    });
    cache.ensureRange(0, 0);
    await f.fail(0, { code: "io", message: "disk on fire" });
    expect(onError).toHaveBeenCalledWith({ code: "io", message: "disk on fire" }, 0);
    cache.ensureRange(0, 0);
    expect(f.calls).toEqual([0]);
    now += 600;
    cache.ensureRange(0, 0);
    expect(f.calls).toEqual([0, 0]);
    await f.settle(0);
    expect(cache.get(3)).toBe(3);
  });

  it("ignores responses that arrive after dispose", async () => {
    const f = controlledFetcher(1000);
    const cache = new PageCache<number>({ fetchPage: f.fetchPage, pageSize: 10 });
    const listener = vi.fn();
    cache.subscribe(listener);
    cache.ensureRange(0, 0);
    cache.dispose();
    await f.settle(0);
    expect(cache.get(0)).toBeUndefined();
    expect(listener).not.toHaveBeenCalled();
    cache.ensureRange(20, 20);
    expect(f.calls).toEqual([0]);
  });

  it("refresh() re-reads the wanted pages, showing the old items until the new ones arrive", async () => {
    const f = controlledFetcher(1000);
    const cache = new PageCache<number>({ fetchPage: f.fetchPage, pageSize: 100, maxConcurrent: 10 });
    cache.ensureRange(0, 150);
    await f.settle(0);
    await f.settle(100);
    cache.ensureRange(500, 520);
    await f.settle(500);
    cache.ensureRange(0, 150); // page 5 loaded but not wanted now
    expect(f.calls).toEqual([0, 100, 500]);
    const before = cache.version;
    cache.refresh();
    // The wanted pages are asked again at once; meanwhile their items stay.
    expect(f.calls).toEqual([0, 100, 500, 0, 100]);
    expect(cache.get(5)).toBe(5);
    expect(cache.hasPage(5)).toBe(false);
    // Asked again while its refresh is in flight: not twice.
    cache.ensureRange(0, 150);
    expect(f.calls).toHaveLength(5);
    await f.settle(0);
    expect(cache.version).toBeGreaterThan(before);
    // Once fresh, not asked again.
    await f.settle(100);
    cache.ensureRange(0, 150);
    expect(f.calls).toHaveLength(5);
  });

  it("refresh() asks again for a page whose answer was on its way before it", async () => {
    const f = controlledFetcher(1000);
    const cache = new PageCache<number>({ fetchPage: f.fetchPage, pageSize: 100, maxConcurrent: 10 });
    cache.ensureRange(0, 50);
    expect(f.calls).toEqual([0]);
    cache.refresh();
    expect(f.calls).toEqual([0]);
    await f.settle(0);
    // The old answer is shown, and the page asked for again.
    expect(cache.get(3)).toBe(3);
    expect(f.calls).toEqual([0, 0]);
    await f.settle(0);
    cache.ensureRange(0, 50);
    expect(f.calls).toEqual([0, 0]);
  });

  it("load() returns undefined outside the known total", async () => {
    const f = controlledFetcher(15);
    const cache = new PageCache<number>({ fetchPage: f.fetchPage, pageSize: 10 });
    cache.ensureRange(0, 0);
    await f.settle(0);
    await expect(cache.load(15)).resolves.toBeUndefined();
    await expect(cache.load(-1)).resolves.toBeUndefined();
    const p = cache.load(14);
    await f.settle(10);
    await expect(p).resolves.toBe(14);
  });
});
