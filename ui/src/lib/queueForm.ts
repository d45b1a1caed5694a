/** The New-queue form ↔ `CreateQueueRequest`, and display helpers for queues. */

import type { BelowCount } from "../bindings/BelowCount";
import type { CreateQueueRequest } from "../bindings/CreateQueueRequest";
import type { QueueDto } from "../bindings/QueueDto";
import type { RunInfo } from "../bindings/RunInfo";
import type { Strategy } from "../bindings/Strategy";
import { formatCount } from "./format";

export interface StrategyOption {
  value: Strategy;
  text: string;
  hint: string;
}

export const STRATEGIES: readonly StrategyOption[] = [
  { value: "least-confidence", text: "Least confident", hint: "Lowest top probability first" },
  { value: "margin", text: "Smallest margin", hint: "Top two classes closest first" },
  { value: "entropy", text: "Highest entropy", hint: "Most spread-out probabilities first" },
  {
    value: "label-disagreement",
    text: "Label disagreement",
    hint: "Given label probably wrong (confident learning); only such items",
  },
  { value: "model-disagreement", text: "Model disagreement", hint: "Two runs on the same data disagree most first" },
  { value: "random", text: "Random sample", hint: "A seeded uniform sample" },
  {
    value: "set-size",
    text: "Prediction-set size",
    hint: "Conformal sets calibrated on a random queue: items whose set is not one label first",
  },
];

export function strategyText(value: string): string {
  return STRATEGIES.find((s) => s.value === value)?.text ?? value;
}

export interface QueueForm {
  name: string;
  /** Run id as text ("" = none chosen). */
  run: string;
  strategy: string;
  /** The second run of model-disagreement. */
  otherRun: string;
  useThreshold: boolean;
  threshold: number;
  /** Empty = no limit. */
  limit: string;
  /** Share of the items labeled by several people, in percent (0–100). */
  overlapPercent: string;
  overlapK: string;
  blind: boolean;
  seed: string;
  /** Annotator names separated by commas: the items are split between them (empty: anyone). */
  assign: string;
  /** Gold served among the items: each person's share in percent, and their first N items. */
  goldPercent: string;
  goldWarmup: string;
  /** A qualification queue: gold items only, `passItems` of them, `passPercent` right to pass. */
  qualification: boolean;
  passPercent: string;
  passItems: string;
  /** set-size: the calibration queue's name (a random queue on the run without a threshold). */
  calibration: string;
  /** set-size: the share of items whose set may miss the true label, in percent (0–100, exclusive). */
  alphaPercent: string;
  /** Rank and threshold by calibrated confidence (only for a run with a fitted temperature). */
  calibrated: boolean;
}

/** Runs a queue can be made from: finished (or interrupted/cancelled with predictions), newest first. */
export function queueableRuns(runs: readonly RunInfo[] | null): RunInfo[] {
  return (runs ?? []).filter((r) => r.status !== "running" && r.status !== "failed" && r.items > 0);
}

/** "Run 3 · pets-resnet18@2 on street-photos@1". */
export function runOptionText(r: RunInfo): string {
  return `Run ${r.run} · ${r.model} on ${r.dataset}${r.status === "done" ? "" : ` (${r.status})`}`;
}

export function defaultQueueForm(runs: readonly RunInfo[] | null): QueueForm {
  const first = queueableRuns(runs)[0];
  return {
    name: "",
    run: first ? String(first.run) : "",
    strategy: "least-confidence",
    otherRun: "",
    useThreshold: false,
    threshold: 0.6,
    limit: "",
    overlapPercent: "0",
    overlapK: "2",
    blind: false,
    seed: "1",
    assign: "",
    goldPercent: "0",
    goldWarmup: "0",
    qualification: false,
    passPercent: "80",
    passItems: "10",
    calibration: "",
    alphaPercent: "10",
    calibrated: false,
  };
}

/** A name when the field is left empty: "least-confidence · run 3 · < 0.60". */
export function suggestedQueueName(form: QueueForm): string {
  const parts = [form.strategy, form.run ? `run ${form.run}` : "no run"];
  if (form.useThreshold) parts.push(`< ${formatThreshold(form.threshold)}`);
  if (form.calibrated) parts.push("calibrated");
  return parts.join(" · ");
}

export function formatThreshold(t: number): string {
  return t.toFixed(2);
}

/** "3,412 of 1,000,000 items below 0.60" ("… below 0.60 calibrated confidence" when calibrated). */
export function belowText(count: BelowCount, threshold: number, calibrated = false): string {
  return `${formatCount(count.below)} of ${formatCount(count.total)} ${count.total === 1 ? "item" : "items"} below ${formatThreshold(threshold)}${calibrated ? " calibrated confidence" : ""}`;
}

/** "Rank by calibrated confidence (T = 1.42)", or why a run cannot be. */
export function calibratedText(temperature: number | null): string {
  return temperature === null
    ? "Calibrated confidence: calibrate this run on the Dashboard first"
    : `Rank by calibrated confidence (T = ${temperature.toFixed(3)})`;
}

export type QueueFormErrors = Partial<Record<keyof QueueForm, string>>;

function wholeNumber(text: string): number | null {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : null;
}

/** Validates the form; the request, or the problems per field (nothing is sent then). */
export function queueRequest(form: QueueForm): { request: CreateQueueRequest } | { errors: QueueFormErrors } {
  const errors: QueueFormErrors = {};
  const strategy = STRATEGIES.find((s) => s.value === form.strategy)?.value;
  if (strategy === undefined) errors.strategy = "Choose a strategy";
  const run = wholeNumber(form.run);
  if (run === null) errors.run = "Choose a run";
  let otherRun: number | null = null;
  if (form.strategy === "model-disagreement") {
    otherRun = wholeNumber(form.otherRun);
    if (otherRun === null) errors.otherRun = "Choose the second run";
    else if (otherRun === run) errors.otherRun = "Choose a different run";
  }
  let conformal: { calibration: string; alpha: number } | null = null;
  if (form.strategy === "set-size") {
    const alphaPct = Number(form.alphaPercent);
    if (form.calibration.trim() === "") errors.calibration = "Choose a random queue to calibrate on";
    if (form.alphaPercent.trim() === "" || !Number.isFinite(alphaPct) || alphaPct <= 0 || alphaPct >= 100) {
      errors.alphaPercent = "Above 0, below 100 %";
    }
    if (form.useThreshold) errors.threshold = "A set-size queue ranks every item: turn the threshold off";
    conformal = { calibration: form.calibration.trim(), alpha: alphaPct / 100 };
  }
  if (form.useThreshold && !(form.threshold > 0 && form.threshold <= 1)) {
    errors.threshold = "A confidence between 0 and 1";
  }
  let limit: number | null = null;
  if (form.limit.trim() !== "") {
    limit = wholeNumber(form.limit);
    if (limit === null || limit < 1) errors.limit = "A whole number of at least 1, or empty for all";
  }
  const pct = Number(form.overlapPercent.trim() === "" ? "0" : form.overlapPercent);
  if (!Number.isFinite(pct) || pct < 0 || pct > 100) errors.overlapPercent = "0 to 100 %";
  const k = wholeNumber(form.overlapK);
  if (k === null || k < 1) errors.overlapK = "At least 1";
  else if (k > 50) errors.overlapK = "At most 50";
  const seed = wholeNumber(form.seed);
  if (seed === null) errors.seed = "A whole number";
  const assign = assignees(form.assign);
  const twice = assign.find((n, i) => assign.indexOf(n) !== i);
  if (twice !== undefined) errors.assign = `${twice} is listed twice`;
  else if (assign.length > 0 && k !== null && pct > 0 && assign.length < k) {
    errors.assign = `Overlap items need ${k} different people: list at least ${k}`;
  }
  let gold: CreateQueueRequest["gold"] = undefined;
  if (form.qualification) {
    const passPct = Number(form.passPercent);
    const passItems = wholeNumber(form.passItems);
    if (!Number.isFinite(passPct) || passPct <= 0 || passPct > 100) errors.passPercent = "Above 0, at most 100 %";
    if (passItems === null || passItems < 1) errors.passItems = "At least 1";
    gold = { rate: 0, warmup: 0, qualification: { passAccuracy: passPct / 100, passItems: passItems ?? 1 } };
  } else {
    const goldPct = Number(form.goldPercent.trim() === "" ? "0" : form.goldPercent);
    const warmup = wholeNumber(form.goldWarmup.trim() === "" ? "0" : form.goldWarmup);
    if (!Number.isFinite(goldPct) || goldPct < 0 || goldPct >= 100) errors.goldPercent = "0 to under 100 %";
    if (warmup === null) errors.goldWarmup = "A whole number";
    if (goldPct > 0 || (warmup ?? 0) > 0) gold = { rate: goldPct / 100, warmup: warmup ?? 0, qualification: null };
  }
  if (Object.keys(errors).length > 0 || strategy === undefined) return { errors };
  const name = form.name.trim() || suggestedQueueName(form);
  return {
    request: {
      name,
      run: run!,
      strategy,
      otherRun,
      threshold: form.useThreshold ? form.threshold : null,
      seed: seed!,
      limit,
      overlapShare: pct / 100,
      overlapK: k!,
      blind: form.blind || gold !== undefined,
      assign,
      ...(gold ? { gold } : {}),
      ...(conformal ?? {}),
      ...(form.calibrated ? { calibrated: true } : {}),
    },
  };
}

/** "ana, ben,,cy " → ["ana", "ben", "cy"]. */
export function assignees(text: string): string[] {
  return text
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
}

/** The "Assign to" field with `name` added (or removed, when it is there). */
export function toggleAssignee(text: string, name: string): string {
  const list = assignees(text);
  return (list.includes(name) ? list.filter((n) => n !== name) : [...list, name]).join(", ");
}

/** "split between ana and ben", "split between ana, ben and cy"; null for a queue open to anyone. */
export function splitText(names: readonly string[]): string | null {
  if (names.length === 0) return null;
  if (names.length === 1) return `only for ${names[0]}`;
  return `split between ${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/**
 * A warning (not an error: people can be added later) when the overlap asks for more people per
 * item than the project has annotators: those items stay open until that many have labeled them.
 */
export function overlapWarning(form: Pick<QueueForm, "overlapPercent" | "overlapK">, annotators: number | null): string | null {
  const pct = Number(form.overlapPercent.trim() === "" ? "0" : form.overlapPercent);
  const k = wholeNumber(form.overlapK);
  if (annotators === null || !(pct > 0) || k === null || k <= 1 || k <= annotators) return null;
  const have = annotators === 1 ? "1 annotator" : `${formatCount(annotators)} annotators`;
  return `The project has ${have} so far: each overlap item stays open until ${formatCount(k)} people have labeled it.`;
}

/** The queue picker's option text: "Street — least confident (12 / 40)". */
export function queueOptionText(q: QueueDto): string {
  return `${q.name} (${formatCount(q.counts.done)} / ${formatCount(q.counts.total)})${q.blind ? " · blind" : ""}`;
}

/** Random queues on `run` saved without a threshold: the fair samples a set-size queue calibrates on. */
export function calibrationQueues(queues: readonly QueueDto[] | null, run: number | null): QueueDto[] {
  return (queues ?? []).filter((q) => q.strategy === "random" && q.threshold === null && q.run === run);
}

/** One line describing a queue's policy. */
export function queueSummary(q: QueueDto): string {
  const parts = [`run ${q.run}`, strategyText(q.strategy)];
  if (q.threshold !== null) parts.push(`${q.temperature !== null ? "calibrated " : ""}confidence < ${formatThreshold(q.threshold)}`);
  else if (q.temperature !== null) parts.push("by calibrated confidence");
  if (q.overlapShare > 0 && q.overlapK > 1) parts.push(`${Math.round(q.overlapShare * 100)} % by ${q.overlapK} people`);
  if (q.gold.qualification) parts.push(`qualification: ${q.gold.qualification.passItems} gold, ${Math.round(q.gold.qualification.passAccuracy * 100)}% to pass`);
  else if (q.gold.rate > 0 || q.gold.warmup > 0) parts.push(`gold ${Math.round(q.gold.rate * 1000) / 10}%${q.gold.warmup ? `, first ${q.gold.warmup}` : ""}`);
  if (q.blind) parts.push("blind");
  const split = splitText(q.assignees);
  if (split) parts.push(split);
  return parts.join(" · ");
}

function percent(p: number): string {
  const v = Math.max(0, Math.min(1, p)) * 100;
  return `${v.toFixed(1)}%`;
}

/**
 * Why the queue put this item where it is, in words: the strategy's name and what its score
 * means for the item — "least confidence: top class 48.6%" for a score of 0.514 (1 − top p).
 */
export function scoreWords(strategy: string, score: number): string {
  if (!Number.isFinite(score)) return strategyText(strategy).toLowerCase();
  switch (strategy) {
    case "least-confidence":
      return `least confidence: top class ${percent(1 - score)}`;
    case "margin":
      return `smallest margin: top two classes ${percent(score)} apart`;
    case "entropy":
      return `highest entropy: ${score.toFixed(2)} nats (0 = certain)`;
    case "label-disagreement":
      return `label disagreement: the model's class is ${percent(score)} more probable than the given label`;
    case "model-disagreement":
      return `model disagreement: the two runs' probabilities differ by ${percent(score)}`;
    case "random":
      return "random sample";
    case "set-size":
      if (score === 0) return "prediction set: empty — no label is plausible enough";
      if (score === 1) return "prediction set: 1 label";
      return `prediction set: ${formatCount(score)} labels — the model cannot tell them apart`;
    default:
      return `${strategy}: score ${score.toFixed(3)}`;
  }
}

/**
 * The second line of the review panel's head: the queue's threshold, how many people label the
 * item, and how many of the next items are loaded ("ready") — each with what it means.
 */
export function itemQueueParts(
  queue: Pick<QueueDto, "threshold">,
  needed: number,
  loaded: number,
): { text: string; title: string }[] {
  const parts: { text: string; title: string }[] = [];
  if (queue.threshold !== null) {
    parts.push({
      text: `queue: confidence < ${formatThreshold(queue.threshold)}`,
      title: `This queue holds only items the model predicted with a confidence below ${formatThreshold(queue.threshold)}`,
    });
  }
  if (needed > 1) {
    parts.push({
      text: `labels from ${needed} people`,
      title: `Overlap: ${needed} annotators label this item independently before the decision rule decides it`,
    });
  }
  if (loaded > 0) {
    parts.push({
      text: `next ${loaded} loaded`,
      title: `The next ${loaded === 1 ? "item is" : `${loaded} items are`} already loaded and claimed for you, so each shows at once`,
    });
  }
  return parts;
}
