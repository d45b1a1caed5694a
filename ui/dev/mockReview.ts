/**
 * DEV PREVIEW ONLY — the review workflow of the fake backend (installed by mockTauri.ts; never
 * part of a production build): annotators, reasons, saved queues ranked from the fake runs, leased
 * claims handed out like `next_items` does (own claims first, then new ones in queue order,
 * never past the number of people an item needs), append-only annotation events with undo as a
 * retraction, decisions by the core's rule (mockDecide.ts) and the conflicts list.
 *
 * Seeded: annotators ana (annotator), bo (annotator), chen (reviewer), dana (lead); queues
 * "street — least confident" (overlap: 30 % to 2 people; bo has labeled some), "digits — blind
 * sample" (blind) and "edge — finished" (nothing left for ana); six conflicts between ana, bo and
 * dana. Switches: `?flaky` fails every 4th `annotate` (to see the rollback), `?fail=<command>`
 * (as everywhere), `?slow`.
 */
import type { AnnotateRequest } from "../src/bindings/AnnotateRequest";
import type { AnnotationSource } from "../src/bindings/AnnotationSource";
import type { AnnotatorDto } from "../src/bindings/AnnotatorDto";
import type { CreateQueueRequest } from "../src/bindings/CreateQueueRequest";
import type { DecisionDto } from "../src/bindings/DecisionDto";
import type { IpcError } from "../src/bindings/IpcError";
import type { ItemPrediction } from "../src/bindings/ItemPrediction";
import type { QueueCounts } from "../src/bindings/QueueCounts";
import type { QueueDto } from "../src/bindings/QueueDto";
import type { ReasonDto } from "../src/bindings/ReasonDto";
import type { ReviewItem } from "../src/bindings/ReviewItem";
import type { Role } from "../src/bindings/Role";
import type { Strategy } from "../src/bindings/Strategy";
import type { VoteDto } from "../src/bindings/VoteDto";
import { decideVotes } from "./mockDecide";

type Args = Record<string, unknown> | undefined;

export interface ReviewMockContext {
  sleep: (ms: number) => Promise<unknown>;
  err: (code: IpcError["code"], message: string) => IpcError;
  /** The run's dataset version and how many items it has predicted. */
  run: (id: number) => { run: number; versionId: number; items: number; status: string };
  /** Item `i` of a version: rowid, external id and given label. */
  item: (versionId: number, i: number) => { rowid: number; id: string; label: string | null };
  versionItems: (versionId: number) => number;
  /** rowid → (version, index). Throws not_found for unknown rowids. */
  locate: (rowid: number) => { versionId: number; i: number };
  /** The run's class probabilities for item i (null = not predicted / failed). */
  probabilities: (run: number, i: number) => { probs: number[] | null; error: string | null } | null;
  classes: string[];
  labels: () => string[];
}

const params = new URLSearchParams(typeof location === "undefined" ? "" : location.search);

const REASONS: ReasonDto[] = [
  { code: "model_wrong", description: "The model's prediction is wrong" },
  { code: "ambiguous", description: "The item is ambiguous; more than one label could apply" },
  { code: "bad_input", description: "The input is broken, unreadable or out of scope" },
  { code: "label_missing_from_schema", description: "The right label is not in the schema" },
  { code: "given_label_wrong", description: "The dataset's given label is wrong" },
  { code: "other", description: "Another reason, explained in the note" },
];

const LEASE_SECONDS = 600;
/** Items of a big version the mock ranks (the real backend ranks them all). */
const RANK_SAMPLE = 20_000;

interface Event {
  id: number;
  rowid: number;
  annotator: string;
  kind: "label" | "skip" | "flag" | "retract";
  label: string | null;
  flag: string | null;
  reason: string | null;
  note: string | null;
  seconds: number | null;
  predictionShown: boolean;
  source: AnnotationSource;
  queue: number | null;
  run: number | null;
  createdAt: string;
  retracts: number | null;
}

const ROLES: readonly Role[] = ["annotator", "reviewer", "lead"];

interface MockQueue {
  id: number;
  name: string;
  run: number;
  strategy: Strategy;
  threshold: number | null;
  overlapShare: number;
  overlapK: number;
  blind: boolean;
  createdAt: string;
  /** The annotators the items are split between (the mock does not split them). */
  assignees: string[];
  /** Ranked items: rowid, score, needed (position = index). */
  items: { rowid: number; score: number; needed: number }[];
}

/** Deterministic 0..1 hash (same recipe as mockTauri's). */
function hash01(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 4294967296;
}

export function reviewHandlers(ctx: ReviewMockContext): Record<string, (args: Args) => Promise<unknown>> {
  const { sleep, err } = ctx;
  const annotators: AnnotatorDto[] = [
    { name: "ana", role: "annotator" },
    { name: "bo", role: "annotator" },
    { name: "chen", role: "reviewer" },
    { name: "dana", role: "lead" },
  ];
  const events: Event[] = [];
  const queues: MockQueue[] = [];
  /** `${queue}:${rowid}` → annotator → lease end (unix seconds). */
  const claims = new Map<string, Map<string, number>>();
  let nextEvent = 1;
  let rule = { mode: "majority", minAnnotators: 1 };
  let annotateCalls = 0;

  const now = () => Date.now() / 1000;
  const isoAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

  const findAnnotator = (name: string) => {
    const a = annotators.find((x) => x.name === name);
    if (!a) throw err("not_found", `annotator ${name} not found (add it with \`arbiter annotators add\`)`);
    return a;
  };
  const findQueue = (id: number) => {
    const q = queues.find((x) => x.id === id);
    if (!q) throw err("not_found", `queue ${id} not found`);
    return q;
  };

  const retracted = () => new Set(events.filter((e) => e.kind === "retract").map((e) => e.retracts));
  const live = (rowid: number) => {
    const gone = retracted();
    return events.filter((e) => e.rowid === rowid && e.kind !== "retract" && !gone.has(e.id));
  };

  // ------------------------------------------------------------ ranking

  function predictionFor(run: number, i: number): ItemPrediction | null {
    const p = ctx.probabilities(run, i);
    if (!p) return null;
    if (!p.probs) return { run, predicted: null, confidence: null, top: [], error: p.error };
    const top = ctx.classes.map((c, k): [string, number] => [c, p.probs![k]!]).sort((a, b) => b[1] - a[1]);
    return { run, predicted: top[0]![0], confidence: top[0]![1], top, error: null };
  }

  function rank(req: { run: number; strategy: string; threshold: number | null; seed: number; otherRun: number | null }) {
    const run = ctx.run(req.run);
    if (req.strategy === "model-disagreement") {
      if (req.otherRun === null) throw err("invalid_input", "model-disagreement needs a second run (--other-run ID)");
      const other = ctx.run(req.otherRun);
      if (other.versionId !== run.versionId) {
        throw err(
          "invalid_input",
          `runs ${req.run} and ${req.otherRun} are over different dataset versions; model-disagreement compares two runs on the same one`,
        );
      }
    }
    const n = Math.min(run.items, RANK_SAMPLE);
    const out: { rowid: number; score: number }[] = [];
    for (let i = 0; i < n; i++) {
      const p = ctx.probabilities(req.run, i);
      if (!p || !p.probs) continue;
      const sorted = [...p.probs].sort((a, b) => b - a);
      const conf = sorted[0]!;
      if (req.threshold !== null && !(conf < req.threshold)) continue;
      const it = ctx.item(run.versionId, i);
      let score: number;
      switch (req.strategy) {
        case "least-confidence":
          score = 1 - conf;
          break;
        case "margin":
          score = -(conf - sorted[1]!);
          break;
        case "entropy":
          score = -p.probs.reduce((s, x) => (x > 0 ? s + x * Math.log(x) : s), 0);
          break;
        case "label-disagreement": {
          const given = it.label === null ? -1 : ctx.classes.indexOf(it.label);
          const best = p.probs.indexOf(conf);
          if (given < 0 || best === given || conf < 0.5) continue;
          score = conf - p.probs[given]!;
          break;
        }
        case "model-disagreement": {
          const q = ctx.probabilities(req.otherRun!, i);
          if (!q || !q.probs) continue;
          score = 0.5 * p.probs.reduce((s, x, k) => s + Math.abs(x - q.probs![k]!), 0);
          break;
        }
        case "random":
          score = -hash01(it.rowid, req.seed);
          break;
        default:
          throw err(
            "invalid_input",
            `strategy "${req.strategy}": use one of least-confidence, margin, entropy, label-disagreement, model-disagreement, random`,
          );
      }
      out.push({ rowid: it.rowid, score });
    }
    out.sort((a, b) => b.score - a.score || a.rowid - b.rowid);
    return out.map((r) => ({ rowid: r.rowid, score: Math.abs(r.score) }));
  }

  function createQueue(r: CreateQueueRequest, createdAt = new Date().toISOString()): MockQueue {
    if (!r.name.trim()) throw err("invalid_input", "a queue needs a name");
    if (!(r.overlapShare >= 0 && r.overlapShare <= 1) || r.overlapK < 1) {
      throw err("invalid_input", "overlap: a share between 0 and 1 and k of at least 1");
    }
    if (r.threshold !== null && !(r.threshold > 0 && r.threshold <= 1)) {
      throw err("invalid_input", `--threshold ${r.threshold}: a confidence between 0 and 1`);
    }
    if (queues.some((q) => q.name === r.name.trim())) {
      throw err("invalid_input", `a queue named "${r.name.trim()}" exists; pick another name`);
    }
    const ranked = rank(r).slice(0, r.limit ?? undefined);
    const q: MockQueue = {
      id: Math.max(0, ...queues.map((x) => x.id)) + 1,
      name: r.name.trim(),
      run: r.run,
      strategy: r.strategy,
      threshold: r.threshold,
      overlapShare: r.overlapShare,
      overlapK: r.overlapK,
      blind: r.blind,
      createdAt,
      assignees: r.assign,
      items: ranked.map((x) => ({
        ...x,
        needed: r.overlapK > 1 && hash01(x.rowid, r.seed + 7) < r.overlapShare ? r.overlapK : 1,
      })),
    };
    queues.push(q);
    return q;
  }

  // ------------------------------------------------------------ events and decisions

  function record(a: AnnotateRequest, createdAt?: string): number {
    const who = findAnnotator(a.annotator);
    ctx.locate(a.rowid);
    if (a.kind === "label") {
      const names = ctx.labels();
      if (a.label === null) throw err("invalid_input", "a label event needs a label");
      if (!names.includes(a.label)) {
        throw err("invalid_input", `label "${a.label}" is not in the project's label schema (${[...names].sort().join(", ")})`);
      }
    } else if (a.kind === "flag") {
      if (a.flag !== null && a.flag !== "bad_input" && a.flag !== "unsure") {
        throw err("invalid_input", `flag "${a.flag}": use bad_input or unsure`);
      }
    } else if (a.kind !== "skip") {
      throw err("invalid_input", `kind "${a.kind}": use label, skip or flag`);
    }
    if (a.reason && !REASONS.some((r) => r.code === a.reason)) {
      throw err("invalid_input", `reason "${a.reason}" is not one of the project's reasons (${REASONS.map((r) => r.code).sort().join(", ")})`);
    }
    if (!["manual", "accepted_prediction", "override"].includes(a.source)) {
      throw err("invalid_input", `source "${a.source}": use manual, accepted_prediction or override`);
    }
    if (a.source === "override") {
      if (who.role === "annotator") throw err("invalid_input", `${who.name} is an annotator; only reviewers and leads override`);
      if (!a.reason) throw err("invalid_input", "an override needs a reason code");
    }
    const id = nextEvent++;
    events.push({
      id,
      rowid: a.rowid,
      annotator: a.annotator,
      kind: a.kind as Event["kind"],
      label: a.kind === "label" ? a.label : null,
      flag: a.kind === "flag" ? (a.flag ?? "unsure") : null,
      reason: a.reason || null,
      note: a.note?.trim() || null,
      seconds: a.seconds,
      predictionShown: a.predictionShown,
      source: a.source,
      queue: a.queue,
      run: a.run,
      createdAt: createdAt ?? new Date().toISOString(),
      retracts: null,
    });
    if (a.queue !== null) claims.get(`${a.queue}:${a.rowid}`)?.delete(a.annotator);
    return id;
  }

  const vote = (e: Event): VoteDto => ({
    annotation: e.id,
    annotator: e.annotator,
    label: e.label ?? "",
    reason: e.reason,
    note: e.note,
    source: e.source,
    createdAt: e.createdAt,
  });

  function decision(rowid: number): DecisionDto {
    const { versionId, i } = ctx.locate(rowid);
    const itemId = ctx.item(versionId, i).id;
    const labels = live(rowid).filter((e) => e.kind === "label");
    // How many people the queues holding the item send it to (1 outside any queue).
    const needed = Math.max(1, ...queues.flatMap((q) => q.items.filter((it) => it.rowid === rowid).map((it) => it.needed)));
    const d = decideVotes(labels, rule, needed);
    return { itemId, rowid, ...d, votes: d.votes.map(vote) };
  }

  // ------------------------------------------------------------ claims and counts

  function counts(q: MockQueue): QueueCounts {
    const t = now();
    const c: QueueCounts = { total: q.items.length, done: 0, partial: 0, claimed: 0, untouched: 0, skipped: 0, flagged: 0 };
    for (const it of q.items) {
      const ev = live(it.rowid);
      const labels = new Set(ev.filter((e) => e.kind === "label").map((e) => e.annotator)).size;
      const overridden = ev.some((e) => e.kind === "label" && e.source === "override");
      if (labels >= it.needed || overridden) c.done++;
      else if (labels > 0) c.partial++;
      else c.untouched++;
      if (ev.some((e) => e.kind === "skip")) c.skipped++;
      if (ev.some((e) => e.kind === "flag")) c.flagged++;
      const cl = claims.get(`${q.id}:${it.rowid}`);
      if (cl && [...cl.values()].some((until) => until >= t)) c.claimed++;
    }
    return c;
  }

  function dto(q: MockQueue): QueueDto {
    const { items: _items, ...rest } = q;
    return { ...rest, counts: counts(q) };
  }

  function nextItems(queueId: number, annotator: string, n: number): ReviewItem[] {
    findAnnotator(annotator);
    const q = findQueue(queueId);
    n = Math.max(1, Math.min(8, Math.floor(n)));
    const t = now();
    const until = t + LEASE_SECONDS;
    const claimedBy = (rowid: number) => {
      const key = `${q.id}:${rowid}`;
      let m = claims.get(key);
      if (!m) claims.set(key, (m = new Map()));
      for (const [who, end] of m) if (end < t) m.delete(who);
      return m;
    };
    const handledBy = (rowid: number, who: string) => live(rowid).some((e) => e.annotator === who && (e.kind === "label" || e.kind === "skip"));
    const picked: MockQueue["items"] = [];
    // Own claims first (minus spent ones), in queue order.
    for (const it of q.items) {
      const m = claims.get(`${q.id}:${it.rowid}`);
      if (!m?.has(annotator)) continue;
      if ((m.get(annotator) ?? 0) < t || handledBy(it.rowid, annotator)) {
        m.delete(annotator);
        continue;
      }
      if (picked.length < n) picked.push(it);
    }
    for (const it of q.items) {
      if (picked.length >= n) break;
      const m = claimedBy(it.rowid);
      if (m.has(annotator) || handledBy(it.rowid, annotator)) continue;
      const ev = live(it.rowid);
      if (ev.some((e) => e.kind === "label" && e.source === "override")) continue;
      const labels = new Set(ev.filter((e) => e.kind === "label").map((e) => e.annotator)).size;
      const others = [...m.keys()].filter((w) => w !== annotator).length;
      if (labels + others >= it.needed) continue;
      m.set(annotator, until);
      picked.push(it);
    }
    for (const m of claims.values()) if (m.has(annotator)) m.set(annotator, until);
    const run = ctx.run(q.run);
    return picked.map((it) => {
      const { i } = ctx.locate(it.rowid);
      const item = ctx.item(run.versionId, i);
      return {
        rowid: it.rowid,
        itemId: item.id,
        position: q.items.indexOf(it),
        score: it.score,
        needed: it.needed,
        given: q.blind ? null : item.label,
        prediction: q.blind ? null : predictionFor(q.run, i),
        others: q.blind ? [] : decision(it.rowid).votes.filter((v) => v.annotator !== annotator),
        blind: q.blind,
        leaseUntil: until,
        sentBack: null,
      } satisfies ReviewItem;
    });
  }

  // ------------------------------------------------------------ seed data

  function seed() {
    let street: MockQueue | null = null;
    try {
      street = createQueue(
        { name: "street — least confident", run: 1, strategy: "least-confidence", otherRun: null, threshold: null, seed: 3, limit: 60, overlapShare: 0.3, overlapK: 2, blind: false, assign: [] },
        isoAgo(60 * 26),
      );
      createQueue(
        { name: "digits — blind sample", run: 3, strategy: "random", otherRun: null, threshold: 0.9, seed: 11, limit: 200, overlapShare: 0, overlapK: 1, blind: true, assign: [] },
        isoAgo(60 * 5),
      );
      const edge = createQueue(
        { name: "edge — finished", run: 2, strategy: "margin", otherRun: null, threshold: null, seed: 1, limit: 4, overlapShare: 0, overlapK: 1, blind: false, assign: [] },
        isoAgo(60 * 30),
      );
      for (const [k, it] of edge.items.entries()) {
        record({ rowid: it.rowid, annotator: "ana", kind: "label", label: ["cat", "dog", "bird", "frog"][k % 4]!, flag: null, reason: null, note: null, seconds: 3.1, predictionShown: true, source: "manual", queue: edge.id, run: 2 }, isoAgo(60 * 20 - k));
      }
    } catch {
      return; // a project without the fake runs (?empty, a new project)
    }
    const base = (rowid: number, annotator: string, label: string, minutes: number, extra: Partial<AnnotateRequest> = {}) =>
      record({ rowid, annotator, kind: "label", label, flag: null, reason: null, note: null, seconds: 4.2, predictionShown: true, source: "manual", queue: street!.id, run: 1, ...extra }, isoAgo(minutes));
    // bo has labeled the first overlap items: ana sees bo's vote when they come up.
    const overlap = street.items.filter((it) => it.needed > 1);
    overlap.slice(0, 4).forEach((it, k) => base(it.rowid, "bo", ["cat", "dog", "bird", "cat"][k]!, 90 - k, k === 1 ? { reason: "model_wrong", note: "ears look like a dog's" } : {}));
    // Conflicts for the reviewers: items further down the queue labeled differently by two or three people.
    const tail = street.items.slice(-8);
    const pairs: [string, string, string | null][] = [
      ["cat", "dog", null],
      ["bird", "frog", null],
      ["dog", "cat", "bird"],
      ["frog", "bird", null],
      ["cat", "bird", null],
      ["dog", "frog", null],
    ];
    pairs.forEach(([a, b, c], k) => {
      const rowid = tail[k]!.rowid;
      base(rowid, "ana", a, 300 - k * 7, k === 0 ? { reason: "ambiguous", note: "half the animal is cropped" } : {});
      base(rowid, "bo", b, 280 - k * 7, k === 2 ? { reason: "given_label_wrong" } : {});
      if (c) base(rowid, "dana", c, 200, { note: "neither — look at the beak" });
    });
    // An item in the digits dataset that two people disagree on, outside any queue.
    const d = ctx.item(12, 17);
    record({ rowid: d.rowid, annotator: "ana", kind: "label", label: "cat", flag: null, reason: null, note: null, seconds: 2, predictionShown: false, source: "manual", queue: null, run: null }, isoAgo(600));
    record({ rowid: d.rowid, annotator: "bo", kind: "label", label: "frog", flag: null, reason: "model_wrong", note: null, seconds: 5, predictionShown: true, source: "manual", queue: null, run: null }, isoAgo(590));
  }
  seed();

  // ------------------------------------------------------------ commands

  const belowCache = new Map<number, Float64Array>();
  function confidences(run: number): Float64Array {
    const hit = belowCache.get(run);
    if (hit) return hit;
    const r = ctx.run(run);
    const n = Math.min(r.items, RANK_SAMPLE);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const p = ctx.probabilities(run, i);
      if (p?.probs) out.push(Math.max(...p.probs));
    }
    const arr = Float64Array.from(out).sort();
    belowCache.set(run, arr);
    return arr;
  }

  return {
    async list_annotators() {
      await sleep(30);
      return annotators.map((a) => ({ ...a }));
    },
    async add_annotator(args) {
      await sleep(60);
      const name = String(args?.name ?? "").trim();
      const asked = String(args?.role ?? "");
      const role = ROLES.find((r) => r === asked);
      if (!name) throw err("invalid_input", "an annotator needs a name");
      if (role === undefined) throw err("invalid_input", `role "${asked}": use annotator, reviewer or lead`);
      if (annotators.some((a) => a.name === name)) throw err("invalid_input", `annotator ${name} exists`);
      const a = { name, role };
      annotators.push(a);
      return a;
    },
    async list_reasons() {
      await sleep(20);
      return REASONS;
    },
    async list_queues() {
      await sleep(40);
      return queues.map(dto);
    },
    async create_queue(args) {
      await sleep(400);
      return dto(createQueue(args?.request as CreateQueueRequest));
    },
    async count_below(args) {
      await sleep(35);
      const run = ctx.run(Number(args?.run));
      const t = Number(args?.threshold);
      const conf = confidences(run.run);
      let lo = 0;
      let hi = conf.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (conf[mid]! < t) lo = mid + 1;
        else hi = mid;
      }
      const scale = conf.length ? run.items / Math.min(run.items, RANK_SAMPLE) : 0;
      const total = Math.round(conf.length * scale);
      return { below: Math.min(total, Math.round(lo * scale)), total };
    },
    async next_items(args) {
      await sleep(18);
      return nextItems(Number(args?.queue), String(args?.annotator), Number(args?.n ?? 1));
    },
    async annotate(args) {
      await sleep(10);
      annotateCalls++;
      if (params.has("flaky") && annotateCalls % 4 === 0) {
        throw err("io", "database is locked (the fake backend fails every 4th annotate with ?flaky)");
      }
      const r = args?.request as AnnotateRequest;
      const id = record(r);
      return { annotation: id, decision: decision(r.rowid) };
    },
    async undo(args) {
      await sleep(12);
      const who = String(args?.annotator);
      findAnnotator(who);
      const queue = args?.queue === null || args?.queue === undefined ? null : Number(args.queue);
      const gone = retracted();
      const last = [...events]
        .reverse()
        .find((e) => e.annotator === who && e.kind !== "retract" && !gone.has(e.id) && (queue === null || e.queue === queue));
      if (!last) return null;
      events.push({ ...last, id: nextEvent++, kind: "retract", label: null, flag: null, reason: null, note: null, retracts: last.id, createdAt: new Date().toISOString() });
      return last.id;
    },
    async release_queue(args) {
      await sleep(10);
      const q = Number(args?.queue);
      const who = String(args?.annotator);
      for (const [key, m] of claims) if (key.startsWith(`${q}:`)) m.delete(who);
      return null;
    },
    async queue_progress(args) {
      await sleep(25);
      const q = findQueue(Number(args?.queue));
      const who = String(args?.annotator);
      const gone = retracted();
      const mine = events.filter((e) => e.annotator === who && e.kind === "label" && !gone.has(e.id));
      const hourAgo = Date.now() - 3_600_000;
      return {
        counts: counts(q),
        lastHour: mine.filter((e) => Date.parse(e.createdAt) >= hourAgo).length,
        labeled: mine.length,
        mine: new Set(
          events
            .filter((e) => e.annotator === who && e.kind !== "retract" && !gone.has(e.id) && e.queue === q.id)
            .map((e) => e.rowid),
        ).size,
      };
    },
    async list_conflicts() {
      await sleep(60);
      const rowids = [...new Set(events.map((e) => e.rowid))];
      return rowids
        .map(decision)
        .filter((d) => d.status === "conflict")
        .map((d) => ({ decision: d, votes: d.votes, given: null, run: null, predicted: null, confidence: null }));
    },
    async get_decision(args) {
      await sleep(20);
      return decision(Number(args?.rowid));
    },
    // The rule set here decides the mock's decisions from then on (see mockDecide.ts).
    async get_decision_rule() {
      await sleep(10);
      return { ...rule };
    },
    async set_decision_rule(args) {
      await sleep(20);
      const r = args?.rule as { mode: string; minAnnotators: number };
      rule = { mode: r.mode, minAnnotators: r.minAnnotators };
      return { ...rule };
    },
  };
}
