/**
 * Calibration and certified auto-accept on the Dashboard: a lead picks the fair sample (a random
 * queue of the run saved without a threshold), fits the run's temperature (reliability diagram
 * before and after), then moves a risk slider: for each risk level, the confidence threshold,
 * the share of the run's items a person no longer needs to see, the certified bound — or how
 * many more audited labels are needed — and applies it.
 */
import { useCallback, useEffect, useMemo, useState } from "react";
import type { AutoAcceptDto } from "../bindings/AutoAcceptDto";
import type { CalibrationDto } from "../bindings/CalibrationDto";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import type { QueueDto } from "../bindings/QueueDto";
import * as ipc from "../ipc";
import { normaliseError } from "../lib/ipcError";
import { staleText } from "../lib/drift";
import { binsForDiagram, formatPercent } from "../lib/reportData";
import { ChartCard } from "./charts/ChartCard";
import { reliabilityOption } from "./charts/options";
import { useAnnotators } from "./reviewHooks";

/** The risk levels the slider offers (the share of wrong labels tolerated among accepted items). */
export const RISKS = [0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2] as const;
export const DELTA = 0.05;

/** The queues that are fair samples of `run`: random, saved without a threshold. */
export function fairSamples(queues: QueueDto[], run: number): QueueDto[] {
  return queues.filter((q) => q.run === run && q.strategy === "random" && q.threshold === null);
}

/** One risk level in words: what auto-accept certifies there, or what it still needs. */
export function riskText(r: AutoAcceptDto): string {
  if (r.status !== "certified" || r.threshold === null) {
    return `Not certified at ${formatPercent(r.risk)} risk: ${r.labels_needed ?? "more"} error-free audited labels are needed at the top of the sample.`;
  }
  return `Accept items with calibrated confidence ≥ ${r.threshold.toFixed(4)}: ${formatPercent(r.coverage)} of the run (${r.accepted.toLocaleString(
    "en-US",
  )} items) no longer needs a person; their error is at most ${formatPercent(r.upper_bound)} with ${formatPercent(1 - r.delta)} confidence.`;
}

export function CalibrationCard({ project, run, onChanged }: { project: ProjectInfo; run: number | null; onChanged: () => void }) {
  const me = useAnnotators(project.path).current;
  const lead = me?.role === "lead" ? me.name : null;
  const [queues, setQueues] = useState<QueueDto[] | null>(null);
  const [sample, setSample] = useState("");
  const [fit, setFit] = useState<CalibrationDto | null>(null);
  const [curve, setCurve] = useState<AutoAcceptDto[] | null>(null);
  const [riskIndex, setRiskIndex] = useState(2);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [despite, setDespite] = useState(false);

  useEffect(() => {
    let cancelled = false;
    ipc
      .listQueues()
      .then((q) => !cancelled && setQueues(q))
      .catch((err) => !cancelled && setError(normaliseError(err).message));
    return () => {
      cancelled = true;
    };
  }, []);
  const samples = useMemo(() => (queues && run !== null ? fairSamples(queues, run) : []), [queues, run]);
  const chosen = samples.some((q) => q.name === sample) ? sample : (samples[0]?.name ?? "");

  const loadCurve = useCallback(async () => {
    if (run === null || chosen === "") return;
    try {
      setCurve(await ipc.riskCurve(run, chosen, [...RISKS], DELTA));
    } catch (err) {
      setCurve(null);
      setError(normaliseError(err).message);
    }
  }, [run, chosen]);
  useEffect(() => {
    setFit(null);
    setCurve(null);
    setError(null);
    setDone(null);
    setDespite(false);
  }, [run, chosen]);

  const calibrate = async () => {
    if (!lead || run === null || chosen === "") return;
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      setFit(await ipc.calibrateRun(run, chosen, lead));
      await loadCurve();
    } catch (err) {
      setError(normaliseError(err).message);
    } finally {
      setBusy(false);
    }
  };
  const apply = async (r: AutoAcceptDto) => {
    if (!lead || run === null) return;
    setBusy(true);
    setError(null);
    try {
      const a = await ipc.applyAutoaccept(run, chosen, r.risk, r.delta, despite && r.stale !== null, lead);
      setDone(
        `Auto-accept applied${a.despite_drift ? " despite the drift (recorded)" : ""}: ${a.accepted.toLocaleString("en-US")} items decided by “auto” where no person has labeled them.`,
      );
      onChanged();
    } catch (err) {
      setError(normaliseError(err).message);
    } finally {
      setBusy(false);
    }
  };

  const before = useMemo(() => (fit ? reliabilityOption(binsForDiagram(fit.bins_before)) : null), [fit]);
  const after = useMemo(() => (fit ? reliabilityOption(binsForDiagram(fit.bins_after)) : null), [fit]);
  const at = curve?.[Math.min(riskIndex, curve.length - 1)] ?? null;

  return (
    <ChartCard
      title="Calibration and auto-accept"
      subtitle={`Fit on a fair sample — a random queue of the run saved without a threshold, labeled by people — then certify a threshold: above it the error is at most the risk, with ${formatPercent(1 - DELTA)} confidence`}
      testId="dash-calibration"
      className="wide"
      csv={null}
    >
      {run === null ? (
        <div className="dash-empty">No finished model run yet.</div>
      ) : samples.length === 0 ? (
        <div className="dash-empty" data-testid="calibration-no-sample">
          Run {run} has no fair sample yet: save a random queue of it without a threshold (Review → New queue) and label it.
        </div>
      ) : (
        <div className="calibration">
          <div className="calibration-controls">
            <label className="field inline">
              <span className="field-label">Fair sample</span>
              <select data-testid="calibration-sample" value={chosen} onChange={(e) => setSample(e.target.value)} disabled={busy}>
                {samples.map((q) => (
                  <option key={q.id} value={q.name}>
                    {q.name} ({q.counts.done.toLocaleString("en-US")} of {q.counts.total.toLocaleString("en-US")} labeled)
                  </option>
                ))}
              </select>
            </label>
            <button type="button" className="button primary" data-testid="calibration-fit" onClick={calibrate} disabled={busy || !lead}>
              {busy && !fit ? "Fitting…" : "Calibrate"}
            </button>
            {!lead && <span className="muted small">A lead calibrates and applies: choose a lead under “Annotator”.</span>}
          </div>
          {error && (
            <div className="form-error" role="alert" data-testid="calibration-error">
              {error}
            </div>
          )}
          {fit && (
            <>
              <p className="calibration-figures" data-testid="calibration-fitted" data-temperature={fit.temperature}>
                Temperature <strong>T = {fit.temperature.toFixed(3)}</strong> on {fit.items.toLocaleString("en-US")} items · NLL{" "}
                {fmt(fit.nll_before)} → {fmt(fit.nll_after)} · ECE {fmt(fit.ece_before)} → {fmt(fit.ece_after)}
              </p>
              {fit.at_bound !== null && (
                <p className="field-warning" role="status" data-testid="calibration-at-bound">
                  T stopped at {fit.at_bound}, the {fit.at_bound < 1 ? "lower" : "upper"} bound of its search: the sample fits best
                  with a T beyond it ({fit.at_bound < 1 ? "no errors, or almost none, among confident predictions" : "its labels disagree with the predictions about as often at any confidence"}), so T is not its optimum. Label more of the
                  sample (a larger random queue) before trusting calibrated figures.
                </p>
              )}
              <div className="calibration-charts">
                <ChartCard title="Before (T = 1)" testId="calibration-before" option={before} height={220} csv={null} />
                <ChartCard title={`After (T = ${fit.temperature.toFixed(3)})`} testId="calibration-after" option={after} height={220} csv={null} />
              </div>
            </>
          )}
          {curve && at && (
            <div className="calibration-risk" data-testid="calibration-risk" data-status={at.status} data-risk={at.risk}>
              <label className="field">
                <span className="field-label">
                  Risk: at most <strong>{formatPercent(at.risk)}</strong> of auto-accepted items wrong
                </span>
                <input
                  type="range"
                  min={0}
                  max={curve.length - 1}
                  step={1}
                  value={Math.min(riskIndex, curve.length - 1)}
                  data-testid="calibration-risk-slider"
                  onChange={(e) => setRiskIndex(Number(e.target.value))}
                />
              </label>
              <p data-testid="calibration-risk-text">{riskText(at)}</p>
              {at.stale && (
                <div className="notice warn flat calibration-stale" role="status" data-testid="calibration-stale">
                  <div className="notice-body">
                    <strong>Stale: run {at.run}’s data drifted.</strong> {staleText(at.stale)} The fair sample no longer speaks for the newer data: certify on a run
                    of it.
                  </div>
                </div>
              )}
              {at.status === "certified" && at.stale && (
                <label className="field inline calibration-despite">
                  <input type="checkbox" data-testid="calibration-despite-drift" checked={despite} onChange={(e) => setDespite(e.target.checked)} />
                  <span>Apply despite the drift (the choice is recorded)</span>
                </label>
              )}
              {at.status === "certified" && (
                <button
                  type="button"
                  className="button"
                  data-testid="calibration-apply"
                  onClick={() => apply(at)}
                  disabled={busy || !lead || (at.stale !== null && !despite)}
                >
                  {at.stale ? "Apply despite the drift" : "Apply auto-accept"} at {formatPercent(at.risk)} risk
                </button>
              )}
            </div>
          )}
          {done && (
            <p className="notice flat" role="status" data-testid="calibration-applied">
              {done}
            </p>
          )}
        </div>
      )}
    </ChartCard>
  );
}

function fmt(v: number | null): string {
  return v === null ? "—" : v.toFixed(4);
}
