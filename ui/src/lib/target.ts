/** The agreement target's form and texts (the Dashboard's target panel, the Export screen's gate). */
import type { AgreementTarget } from "../bindings/AgreementTarget";
import type { TargetOn } from "../bindings/TargetOn";
import type { TargetStatistic } from "../bindings/TargetStatistic";
import type { TargetVerdict } from "../bindings/TargetVerdict";
import type { BuildResult } from "./models";
import { formatStat } from "./reportData";

export const TARGET_STATISTICS: { value: TargetStatistic; text: string; min: number; max: number }[] = [
  { value: "krippendorff_alpha", text: "Krippendorff's α (nominal)", min: -1, max: 1 },
  { value: "fleiss_kappa", text: "Fleiss' κ", min: -1, max: 1 },
  { value: "gwet_ac1", text: "Gwet's AC1", min: -1, max: 1 },
  { value: "percent_agreement", text: "Percent agreement", min: 0, max: 1 },
];

export const TARGET_ON: { value: TargetOn; text: string }[] = [
  { value: "estimate", text: "the estimate" },
  { value: "ci_low", text: "the low end of its 95% interval" },
];

export interface TargetForm {
  statistic: TargetStatistic;
  /** As typed. */
  min: string;
  on: TargetOn;
}

export function defaultTargetForm(current: AgreementTarget | null): TargetForm {
  return current
    ? { statistic: current.statistic, min: String(current.min), on: current.on }
    : { statistic: "krippendorff_alpha", min: "0.8", on: "estimate" };
}

/** Form → target; a minimum outside the statistic's range is refused here, naming it. */
export function buildTarget(form: TargetForm): BuildResult<AgreementTarget, { min?: string }> {
  const stat = TARGET_STATISTICS.find((s) => s.value === form.statistic) ?? TARGET_STATISTICS[0]!;
  const text = form.min.trim().replace(/^−/, "-");
  const min = /^-?(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(min) || min < stat.min || min > stat.max) {
    return { ok: false, errors: { min: `${form.min.trim() || "(empty)"}: a number from ${stat.min} to ${stat.max}` } };
  }
  return { ok: true, request: { statistic: stat.value, min, on: form.on } };
}

export function statisticName(s: TargetStatistic): string {
  return TARGET_STATISTICS.find((x) => x.value === s)?.text ?? s;
}

/** "Krippendorff's α ≥ 0.8 on the estimate". */
export function targetText(t: AgreementTarget): string {
  const on = TARGET_ON.find((o) => o.value === t.on)?.text ?? t.on;
  return `${statisticName(t.statistic)} ≥ ${formatStat(t.min, 2)} on ${on}`;
}

/** "0.612 (95% 0.48–0.73)", "undefined". */
export function figureText(v: TargetVerdict): string {
  if (v.value === null) return "undefined";
  const iv = v.interval ? ` (95% ${formatStat(v.interval.low)}–${formatStat(v.interval.high)})` : " (no interval)";
  return `${formatStat(v.value)}${iv}`;
}

export const STATUS_TEXT: Record<TargetVerdict["status"], string> = {
  pass: "Met",
  fail: "Below target",
  insufficient: "Not enough data",
};

/** Whether an export needs the explicit override. */
export function needsOverride(v: TargetVerdict | null | undefined): boolean {
  return !!v && v.status !== "pass";
}
