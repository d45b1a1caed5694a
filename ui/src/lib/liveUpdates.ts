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

/** An inference run's progress (whoever started it: the desktop app or `arbiter predict`). */
export interface Job {
  kind: string;
  run: number;
  model: string;
  dataset: string;
  done: number;
  failed: number;
  total: number;
  /** `running` until its last update: `done`, `failed`, `cancelled` or `interrupted`. */
  status: string;
}

/** One event of the stream. */
export type LiveUpdate =
  | { type: "presence"; people: Connected[] }
  | { type: "changed"; by: string; what: string }
  | ({ type: "job" } & Job);

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
  if (u.type === "job") {
    const num = (k: string) => (typeof u[k] === "number" ? (u[k] as number) : null);
    const str = (k: string) => (typeof u[k] === "string" ? (u[k] as string) : null);
    const [run, done, failed, total] = [num("run"), num("done"), num("failed"), num("total")];
    const [kind, model, dataset, status] = [str("kind"), str("model"), str("dataset"), str("status")];
    if (run === null || done === null || failed === null || total === null) return null;
    if (kind === null || model === null || dataset === null || status === null) return null;
    return { type: "job", kind, run, model, dataset, done, failed, total, status };
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

/** The jobs running after an update: a running job's latest progress, an ended one gone. */
export function applyJob(jobs: readonly Job[], u: Job): Job[] {
  const others = jobs.filter((j) => !(j.kind === u.kind && j.run === u.run));
  if (u.status !== "running") return others;
  const job: Job = {
    kind: u.kind,
    run: u.run,
    model: u.model,
    dataset: u.dataset,
    done: u.done,
    failed: u.failed,
    total: u.total,
    status: u.status,
  };
  return [...others, job].sort((a, b) => a.run - b.run);
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
