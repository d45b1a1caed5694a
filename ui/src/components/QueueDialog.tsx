import { useEffect, useMemo, useState, type FormEvent } from "react";
import type { BelowCount } from "../bindings/BelowCount";
import type { QueueDto } from "../bindings/QueueDto";
import type { RunInfo } from "../bindings/RunInfo";
import * as ipc from "../ipc";
import { formatCount } from "../lib/format";
import { codeTitle, normaliseError } from "../lib/ipcError";
import {
  belowText,
  calibratedText,
  calibrationQueues,
  defaultQueueForm,
  formatThreshold,
  queueableRuns,
  queueRequest,
  overlapWarning,
  assignees,
  splitText,
  toggleAssignee,
  runOptionText,
  STRATEGIES,
  suggestedQueueName,
  type QueueForm,
  type QueueFormErrors,
} from "../lib/queueForm";
import { Modal } from "./Modal";

interface Props {
  /** How many annotator profiles the project has (null: not known yet). */
  annotators: number | null;
  /** Their names, offered for "Assign to" (null: not known yet). */
  names?: readonly string[] | null;
  onClose: () => void;
  onCreated: (queue: QueueDto) => void;
}

/** Debounce for the live "N of M items below T" count while the slider moves. */
export const COUNT_DEBOUNCE_MS = 150;

export function QueueDialog({ annotators, names = null, onClose, onCreated }: Props) {
  const [runs, setRuns] = useState<RunInfo[] | null>(null);
  const [form, setForm] = useState<QueueForm>(() => defaultQueueForm(null));
  const [errors, setErrors] = useState<QueueFormErrors>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [count, setCount] = useState<{ key: string; value: BelowCount | null; error?: string } | null>(null);
  const [queues, setQueues] = useState<QueueDto[] | null>(null);

  useEffect(() => {
    let cancelled = false;
    ipc
      .listQueues()
      .then((list) => !cancelled && setQueues(list))
      .catch(() => !cancelled && setQueues([]));
    return () => {
      cancelled = true;
    };
  }, []);

  useEffect(() => {
    let cancelled = false;
    ipc
      .listRuns()
      .then((list) => {
        if (cancelled) return;
        setRuns(list);
        setForm((f) => (f.run ? f : { ...f, run: defaultQueueForm(list).run }));
      })
      .catch((err) => {
        if (cancelled) return;
        setRuns([]);
        const e = normaliseError(err);
        setError(`Loading runs — ${codeTitle(e.code)}: ${e.message}`);
      });
    return () => {
      cancelled = true;
    };
  }, []);

  const usable = useMemo(() => queueableRuns(runs), [runs]);
  const run = usable.find((r) => String(r.run) === form.run) ?? null;
  const otherRuns = usable.filter((r) => r.run !== run?.run && r.versionId === run?.versionId);
  const samples = calibrationQueues(queues, run?.run ?? null);
  const set = <K extends keyof QueueForm>(key: K, value: QueueForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setErrors((e) => ({ ...e, [key]: undefined }));
  };

  // Calibrated confidence only for a run with a fitted temperature (a choice made for another
  // run does not carry over).
  const temperature = run?.temperature ?? null;
  const calibrated = form.calibrated && temperature !== null;

  // Live count below the threshold (debounced; late answers for an older slider value are dropped).
  const countKey = `${form.run}:${form.threshold}:${calibrated}`;
  useEffect(() => {
    if (!form.run) return;
    let cancelled = false;
    const timer = setTimeout(() => {
      ipc
        .countBelow(Number(form.run), form.threshold, calibrated)
        .then((value) => !cancelled && setCount({ key: countKey, value }))
        .catch((err) => {
          if (cancelled) return;
          const e = normaliseError(err);
          setCount({ key: countKey, value: null, error: `${codeTitle(e.code)}: ${e.message}` });
        });
    }, COUNT_DEBOUNCE_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [countKey, form.run, form.threshold, calibrated]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = queueRequest({ ...form, calibrated });
    if ("errors" in r) {
      setErrors(r.errors);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onCreated(await ipc.createQueue(r.request));
    } catch (err) {
      const ipcErr = normaliseError(err);
      setError(`${codeTitle(ipcErr.code)}: ${ipcErr.message}`);
      setBusy(false);
    }
  };

  const shownCount = count && count.key.startsWith(`${form.run}:`) ? count : null;
  const fresh = count?.key === countKey;
  const strategy = STRATEGIES.find((s) => s.value === form.strategy);
  const warning = overlapWarning(form, annotators);

  return (
    <Modal title="New review queue" onClose={onClose} closable={!busy} testId="queue-dialog" width={560}>
      <form className="form review-form" onSubmit={submit}>
        <div className="field-row">
          <label className="field grow">
            <span className="field-label">Run</span>
            <select data-testid="queue-run" value={form.run} onChange={(e) => set("run", e.target.value)} disabled={busy}>
              {runs === null && <option value="">Loading…</option>}
              {runs !== null && usable.length === 0 && <option value="">No finished runs — run a model first</option>}
              {usable.map((r) => (
                <option key={r.run} value={String(r.run)}>
                  {runOptionText(r)}
                </option>
              ))}
            </select>
            {errors.run && <span className="field-error">{errors.run}</span>}
          </label>
          <label className="field">
            <span className="field-label">Strategy</span>
            <select data-testid="queue-strategy" value={form.strategy} onChange={(e) => set("strategy", e.target.value)} disabled={busy}>
              {STRATEGIES.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.text}
                </option>
              ))}
            </select>
          </label>
        </div>
        {strategy && <span className="field-sub review-strategy-hint">{strategy.hint}.</span>}

        {form.strategy === "model-disagreement" && (
          <label className="field">
            <span className="field-label">Second run (same dataset version)</span>
            <select data-testid="queue-other-run" value={form.otherRun} onChange={(e) => set("otherRun", e.target.value)} disabled={busy}>
              <option value="">{otherRuns.length ? "Choose…" : "No other run on this dataset version"}</option>
              {otherRuns.map((r) => (
                <option key={r.run} value={String(r.run)}>
                  {runOptionText(r)}
                </option>
              ))}
            </select>
            {errors.otherRun && <span className="field-error">{errors.otherRun}</span>}
          </label>
        )}

        {form.strategy === "set-size" && (
          <div className="field-row">
            <label className="field grow">
              <span className="field-label">Calibrate on (random queue, no threshold)</span>
              <select data-testid="queue-calibration" value={form.calibration} onChange={(e) => set("calibration", e.target.value)} disabled={busy}>
                <option value="">{samples.length ? "Choose…" : "None on this run: save a random queue first"}</option>
                {samples.map((q) => (
                  <option key={q.id} value={q.name}>
                    {q.name} ({formatCount(q.counts.done)} decided of {formatCount(q.counts.total)})
                  </option>
                ))}
              </select>
              {errors.calibration && <span className="field-error">{errors.calibration}</span>}
            </label>
            <label className="field">
              <span className="field-label">May miss (%)</span>
              <input
                type="text"
                data-testid="queue-alpha"
                inputMode="decimal"
                value={form.alphaPercent}
                onChange={(e) => set("alphaPercent", e.target.value)}
                disabled={busy}
              />
              {errors.alphaPercent && <span className="field-error">{errors.alphaPercent}</span>}
            </label>
          </div>
        )}
        {form.strategy === "set-size" && (
          <span className="field-sub">
            Each item&apos;s set holds its true label for at least {100 - (Number(form.alphaPercent) || 0)}% of items; the set size shows in
            the Review panel.
          </span>
        )}

        <fieldset className="field threshold-field">
          <label className={`check${temperature === null ? " muted" : ""}`} title={temperature === null ? "Calibrate this run on the Dashboard (Calibration) to rank by calibrated confidence" : undefined}>
            <input
              type="checkbox"
              data-testid="queue-calibrated"
              checked={calibrated}
              onChange={(e) => set("calibrated", e.target.checked)}
              disabled={busy || temperature === null}
            />
            <span data-testid="queue-calibrated-text">{calibratedText(temperature)}</span>
          </label>
          <label className="check">
            <input
              type="checkbox"
              data-testid="threshold-enabled"
              checked={form.useThreshold}
              onChange={(e) => set("useThreshold", e.target.checked)}
              disabled={busy}
            />
            <span className="field-label">Only items with {calibrated ? "calibrated " : ""}confidence below</span>
            <span className="threshold-value tabular">{formatThreshold(form.threshold)}</span>
          </label>
          <input
            type="range"
            data-testid="threshold-slider"
            min={0.01}
            max={1}
            step={0.01}
            value={form.threshold}
            aria-label="Confidence threshold"
            onChange={(e) => {
              set("threshold", Number(e.target.value));
              if (!form.useThreshold) set("useThreshold", true);
            }}
            disabled={busy || !form.run}
          />
          <span
            className={`threshold-count tabular${fresh ? "" : " stale"}`}
            data-testid="threshold-count"
            aria-live="polite"
            data-below={shownCount?.value?.below}
            data-total={shownCount?.value?.total}
          >
            {!form.run
              ? "Choose a run"
              : shownCount?.error
                ? shownCount.error
                : shownCount?.value
                  ? form.useThreshold
                    ? belowText(shownCount.value, form.threshold, calibrated)
                    : `Threshold off — all ${formatCount(shownCount.value.total)} predicted items (${formatCount(shownCount.value.below)} below ${formatThreshold(form.threshold)})`
                  : "Counting…"}
          </span>
          {errors.threshold && <span className="field-error">{errors.threshold}</span>}
        </fieldset>

        <div className="field-row">
          <label className="field">
            <span className="field-label">Limit</span>
            <input
              type="text"
              inputMode="numeric"
              data-testid="queue-limit"
              placeholder="all"
              value={form.limit}
              onChange={(e) => set("limit", e.target.value)}
              disabled={busy}
            />
            {errors.limit && <span className="field-error">{errors.limit}</span>}
          </label>
          <label className="field">
            <span className="field-label">Overlap %</span>
            <input
              type="text"
              inputMode="decimal"
              data-testid="queue-overlap-share"
              value={form.overlapPercent}
              onChange={(e) => set("overlapPercent", e.target.value)}
              disabled={busy}
            />
            {errors.overlapPercent && <span className="field-error">{errors.overlapPercent}</span>}
          </label>
          <label className="field">
            <span className="field-label">k people</span>
            <input
              type="text"
              inputMode="numeric"
              data-testid="queue-overlap-k"
              value={form.overlapK}
              onChange={(e) => set("overlapK", e.target.value)}
              disabled={busy}
            />
            {errors.overlapK && <span className="field-error">{errors.overlapK}</span>}
          </label>
          <label className="field">
            <span className="field-label">Seed</span>
            <input
              type="text"
              inputMode="numeric"
              data-testid="queue-seed"
              value={form.seed}
              onChange={(e) => set("seed", e.target.value)}
              disabled={busy}
            />
            {errors.seed && <span className="field-error">{errors.seed}</span>}
          </label>
        </div>
        {warning && (
          <span className="field-warning" data-testid="queue-overlap-warning" role="status">
            {warning}
          </span>
        )}
        <span className="field-sub review-strategy-hint">
          Limit: the first N ranked items (empty = all). Overlap: that share of the items goes to k people each, the
          rest to one — for agreement statistics. The seed fixes the random order and the overlap draw.
        </span>

        <label className="check">
          <input
            type="checkbox"
            data-testid="queue-blind"
            checked={form.blind}
            onChange={(e) => set("blind", e.target.checked)}
            disabled={busy}
          />
          <span>
            <span className="field-label">Blind</span>{" "}
            <span className="muted">
              — hide the model's prediction, the given label and other people's labels; only labels given in this queue count,
              so items labeled elsewhere are labeled again
            </span>
          </span>
        </label>

        <div className="field-row" data-testid="queue-gold">
          <label className="field">
            <span className="field-label">Gold %</span>
            <input
              type="text"
              inputMode="decimal"
              data-testid="queue-gold-rate"
              value={form.goldPercent}
              onChange={(e) => set("goldPercent", e.target.value)}
              disabled={busy || form.qualification}
            />
            {errors.goldPercent && <span className="field-error">{errors.goldPercent}</span>}
          </label>
          <label className="field">
            <span className="field-label">Gold first</span>
            <input
              type="text"
              inputMode="numeric"
              data-testid="queue-gold-warmup"
              value={form.goldWarmup}
              onChange={(e) => set("goldWarmup", e.target.value)}
              disabled={busy || form.qualification}
            />
            {errors.goldWarmup && <span className="field-error">{errors.goldWarmup}</span>}
          </label>
          <label className="check">
            <input
              type="checkbox"
              data-testid="queue-qualification"
              checked={form.qualification}
              onChange={(e) => set("qualification", e.target.checked)}
              disabled={busy}
            />
            <span className="field-label">Qualification</span>
          </label>
          {form.qualification && (
            <>
              <label className="field">
                <span className="field-label">Pass %</span>
                <input
                  type="text"
                  inputMode="decimal"
                  data-testid="queue-pass-accuracy"
                  value={form.passPercent}
                  onChange={(e) => set("passPercent", e.target.value)}
                  disabled={busy}
                />
                {errors.passPercent && <span className="field-error">{errors.passPercent}</span>}
              </label>
              <label className="field">
                <span className="field-label">Gold items</span>
                <input
                  type="text"
                  inputMode="numeric"
                  data-testid="queue-pass-items"
                  value={form.passItems}
                  onChange={(e) => set("passItems", e.target.value)}
                  disabled={busy}
                />
                {errors.passItems && <span className="field-error">{errors.passItems}</span>}
              </label>
            </>
          )}
        </div>
        <span className="field-sub">
          {form.qualification
            ? "A qualification serves gold items only; annotators claim from other queues once they got the share right."
            : "Gold items (marked on the Dashboard) come blind among the queue's items: that share of each person's items, and their first N. A queue serving gold is blind."}
        </span>

        <div className="field">
          <label className="field" htmlFor="queue-assign">
            <span className="field-label">Assign to</span>
          </label>
          <input
            id="queue-assign"
            type="text"
            data-testid="queue-assign"
            value={form.assign}
            placeholder="anyone (or names separated by commas)"
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => set("assign", e.target.value)}
            disabled={busy}
          />
          {names && names.length > 0 && (
            <span className="assign-names" role="group" aria-label="Known annotators">
              {names.map((n) => {
                const on = assignees(form.assign).includes(n);
                return (
                  <button
                    key={n}
                    type="button"
                    className={`chip-button${on ? " on" : ""}`}
                    aria-pressed={on}
                    data-testid="queue-assign-name"
                    onClick={() => set("assign", toggleAssignee(form.assign, n))}
                    disabled={busy}
                  >
                    {n}
                  </button>
                );
              })}
            </span>
          )}
          <span className="field-sub" data-testid="queue-assign-summary">
            {assignees(form.assign).length === 0
              ? "Anyone takes any item."
              : `Each item goes to one of them (an overlap item to k of them), chosen the same way on every copy of the project — ${splitText(assignees(form.assign))}.`}
          </span>
          {errors.assign && <span className="field-error">{errors.assign}</span>}
        </div>

        <label className="field">
          <span className="field-label">Name</span>
          <input
            type="text"
            data-testid="queue-name"
            value={form.name}
            placeholder={suggestedQueueName(form)}
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => set("name", e.target.value)}
            disabled={busy}
          />
        </label>

        {error && (
          <div className="form-error" role="alert" data-testid="queue-error">
            {error}
          </div>
        )}
        <div className="form-actions">
          <button type="button" className="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="button primary" data-testid="queue-create" disabled={busy || !form.run}>
            {busy ? "Ranking…" : "Create queue"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
