/**
 * Live updates from `arbiter serve` (`GET /api/events`, docs/http-api.md): what they say, and when
 * a page reads the project again. Others' writes come in bursts (fifty people labeling: a hundred
 * events a second), so a page refreshes at most once per `minGapMs`: the first change at once, the
 * ones after it together at the end of the gap. One's own writes need no refresh: the screen that
 * made them shows them already.
 */

/** Someone listening. */
export interface Connected {
  annotator: string;
  role: string;
  connections: number;
}

/** One event of the stream. */
export type LiveUpdate =
  | { type: "presence"; people: Connected[] }
  | { type: "changed"; by: string; what: string };

/** `data` of one event, or null when it is not an update this page knows. */
export function parseUpdate(data: string): LiveUpdate | null {
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof v !== "object" || v === null) return null;
  const u = v as Record<string, unknown>;
  if (u.type === "changed" && typeof u.by === "string" && typeof u.what === "string") {
    return { type: "changed", by: u.by, what: u.what };
  }
  if (u.type === "presence" && Array.isArray(u.people)) {
    const people = u.people.filter(
      (p): p is Connected =>
        typeof p === "object" &&
        p !== null &&
        typeof (p as Connected).annotator === "string" &&
        typeof (p as Connected).role === "string" &&
        typeof (p as Connected).connections === "number",
    );
    return { type: "presence", people };
  }
  return null;
}

/** Timers, replaceable in tests. */
export interface Clock {
  now(): number;
  setTimeout(f: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (f, ms) => setTimeout(f, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * A function to call with every update: it calls `refresh` for changes made by someone other than
 * `me`, at most once per `minGapMs` (leading and trailing). `stop()` cancels a pending refresh.
 */
export function refresher(
  me: string | null,
  refresh: () => void,
  minGapMs = 2000,
  clock: Clock = realClock,
): { onUpdate: (u: LiveUpdate) => void; stop: () => void } {
  let last = -Infinity;
  let pending: unknown = null;
  const fire = () => {
    pending = null;
    last = clock.now();
    refresh();
  };
  return {
    onUpdate(u) {
      if (u.type !== "changed" || u.by === me) return;
      if (pending !== null) return;
      const wait = last + minGapMs - clock.now();
      if (wait <= 0) fire();
      else pending = clock.setTimeout(fire, wait);
    },
    stop() {
      if (pending !== null) clock.clearTimeout(pending);
      pending = null;
    },
  };
}
