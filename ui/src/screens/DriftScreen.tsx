/**
 * Drift: pick a reference and a current side (dataset versions or runs) and see whether the
 * data moved — the verdict line, each feature column's test with its overlaid histograms, the
 * prediction drift and the accuracy estimate between two runs — and queue the drifted items.
 */
import { useEffect, useMemo, useState } from "react";
import type { DatasetInfo } from "../bindings/DatasetInfo";
import type { DriftReportDto } from "../bindings/DriftReportDto";
import type { IpcError } from "../bindings/IpcError";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import type { RunInfo } from "../bindings/RunInfo";
import { ChartCard } from "../components/charts/ChartCard";
import { driftHistogramOption } from "../components/charts/driftOptions";
import { useOnProjectChanges } from "../components/projectChanges";
import * as ipc from "../ipc";
import {
  defaultQueueName,
  defaultSides,
  firstColumn,
  formatStatistic,
  histogramLabels,
  sideChoices,
  staleText,
  verdictLine,
  type SideChoice,
} from "../lib/drift";
import { codeTitle, normaliseError } from "../lib/ipcError";
import "../dashboard.css";

interface Props {
  project: ProjectInfo;
  onBack: () => void;
}

function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? "—" : `${(x * 100).toFixed(1)}%`;
}

function SidePicker({ label, value, choices, onChange, testId }: { label: string; value: string; choices: SideChoice[]; onChange: (v: string) => void; testId: string }) {
  return (
    <label className="toolbar-field">
      <span>{label}</span>
      <select data-testid={testId} value={value} onChange={(e) => onChange(e.target.value)}>
        {value === "" && <option value="">Choose…</option>}
        <optgroup label="Dataset versions">
          {choices
            .filter((c) => c.group === "versions")
            .map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
        </optgroup>
        <optgroup label="Runs">
          {choices
            .filter((c) => c.group === "runs")
            .map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
        </optgroup>
      </select>
    </label>
  );
}

export function DriftScreen({ project, onBack }: Props) {
  const [datasets, setDatasets] = useState<DatasetInfo[] | null>(null);
  const [runs, setRuns] = useState<RunInfo[]>([]);
  const [reference, setReference] = useState("");
  const [current, setCurrent] = useState("");
  const [psi, setPsi] = useState(false);
  const [report, setReport] = useState<DriftReportDto | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const [token, setToken] = useState(0);
  useOnProjectChanges(() => setToken((t) => t + 1));

  useEffect(() => {
    let cancelled = false;
    Promise.all([ipc.listDatasets(), ipc.listRuns().catch(() => [] as RunInfo[])])
      .then(([d, r]) => {
        if (cancelled) return;
        setDatasets(d);
        setRuns(r);
        const first = defaultSides(d, r);
        if (first) {
          setReference((x) => x || first.reference);
          setCurrent((x) => x || first.current);
        }
      })
      .catch((e) => !cancelled && setError(normaliseError(e)));
    return () => {
      cancelled = true;
    };
  }, [token]);

  useEffect(() => {
    if (!reference || !current) return;
    let cancelled = false;
    setLoading(true);
    setError(null);
    ipc
      .driftReport({ reference, current, psi, classifier: false })
      .then((r) => !cancelled && setReport(r))
      .catch((e) => {
        if (cancelled) return;
        setReport(null);
        setError(normaliseError(e));
      })
      .finally(() => !cancelled && setLoading(false));
    return () => {
      cancelled = true;
    };
  }, [reference, current, psi, token]);

  const choices = useMemo(() => sideChoices(datasets ?? [], runs), [datasets, runs]);

  return (
    <div className="dash-screen" data-testid="drift-screen" aria-busy={loading}>
      <header className="app-header">
        <button type="button" className="button small" data-testid="drift-back" onClick={onBack}>
          ← Items
        </button>
        <div className="header-title">
          <h1>Drift</h1>
          <span className="header-path" title={project.path}>
            {project.name}
          </span>
        </div>
        <div className="header-spacer" />
        {loading && report && <span className="muted small">Updating…</span>}
        <SidePicker label="Reference" value={reference} choices={choices} onChange={setReference} testId="drift-reference" />
        <SidePicker label="Current" value={current} choices={choices} onChange={setCurrent} testId="drift-current" />
        <label className="toolbar-field drift-psi" title="Test every column with the population stability index (drift at 0.1, major at 0.25)">
          <input type="checkbox" data-testid="drift-psi" checked={psi} onChange={(e) => setPsi(e.target.checked)} />
          <span>PSI</span>
        </label>
      </header>
      <div className="dash-scroll">
        {error && (
          <div className="form-error dash-error" role="alert" data-testid="drift-error" data-code={error.code}>
            <strong>Comparing failed: {codeTitle(error.code)}</strong>
            <pre className="error-message">{error.message}</pre>
          </div>
        )}
        {datasets && choices.length < 2 && !error && (
          <div className="dash-loading muted" data-testid="drift-empty">
            Drift compares two dataset versions or two runs: import a second version of a dataset (or run a model twice) first.
          </div>
        )}
        {!report && loading && <div className="dash-loading muted">Comparing…</div>}
        {report && <DriftReport key={`${report.reference.spec}|${report.current.spec}|${report.method}`} report={report} reference={reference} current={current} />}
      </div>
    </div>
  );
}

function DriftReport({ report, reference, current }: { report: DriftReportDto; reference: string; current: string }) {
  const [selected, setSelected] = useState<string | null>(() => firstColumn(report));
  const column = report.columns.find((c) => c.column === selected) ?? null;
  const option = useMemo(() => (column ? driftHistogramOption(column.histogram, column.column) : null), [column]);
  return (
    <div className="dash-grid">
      <section className="dash-card wide drift-verdict" data-testid="drift-verdict" data-drifted={String(report.datasetDrift)}>
        <div className="drift-verdict-line">
          <strong data-testid="drift-verdict-line">{verdictLine(report)}</strong>
          {report.columns.length > 0 && (
            <span className={`drift-badge ${report.datasetDrift ? "bad" : "good"}`}>{report.datasetDrift ? "Dataset drift" : "No dataset drift"}</span>
          )}
        </div>
        <p className="dash-card-sub">
          {report.reference.label} ({report.reference.rows.toLocaleString("en-US")} rows) → {report.current.label} ({report.current.rows.toLocaleString("en-US")} rows) ·{" "}
          {report.method === "psi"
            ? "PSI on every column: drift at 0.1, major at 0.25"
            : report.reference.rows > 1000
              ? "a large reference: distances (Wasserstein, Jensen–Shannon), drift at 0.1"
              : "p-values (Kolmogorov–Smirnov, chi-squared, z-test), drift below 0.05"}{" "}
          · the dataset drifts when half the columns do
        </p>
        {(report.onlyInReference.length > 0 || report.onlyInCurrent.length > 0) && (
          <p className="dash-card-sub" data-testid="drift-one-side">
            Not compared (one side only): {[...report.onlyInReference, ...report.onlyInCurrent].join(", ")}
          </p>
        )}
        {report.autoAcceptStale && (
          <div className="notice warn flat drift-stale" role="status" data-testid="drift-autoaccept-stale" data-recorded={String(report.autoAcceptStale.recorded)}>
            <div className="notice-body">
              <strong>
                Auto-accept on run {report.autoAcceptStale.run} (confidence ≥ {report.autoAcceptStale.threshold.toFixed(4)}) is stale
              </strong>{" "}
              — its data drifted. {staleText(report.autoAcceptStale.verdict)} It stays in force until a lead revokes it; to certify again, label a fair sample of a run on
              the newer data.
            </div>
          </div>
        )}
        <QueueDrifted report={report} reference={reference} current={current} />
      </section>
      {report.columns.length > 0 && (
        <section className="dash-card drift-columns" data-testid="drift-columns">
          <h3>Columns</h3>
          <div className="drift-table-wrap">
            <table className="drift-table">
              <thead>
                <tr>
                  <th>Column</th>
                  <th>Test</th>
                  <th className="num">Statistic</th>
                  <th className="num">Threshold</th>
                  <th>Verdict</th>
                </tr>
              </thead>
              <tbody>
                {report.columns.map((c) => (
                  <tr
                    key={c.column}
                    data-testid="drift-row"
                    data-column={c.column}
                    data-drifted={String(c.drifted)}
                    className={c.column === selected ? "selected" : undefined}
                    onClick={() => setSelected(c.column)}
                    tabIndex={0}
                    onKeyDown={(e) => (e.key === "Enter" || e.key === " ") && setSelected(c.column)}
                    aria-selected={c.column === selected}
                  >
                    <td className="drift-name">
                      {c.column}
                      <div className="muted small">{c.kind}</div>
                    </td>
                    <td className="drift-test">{c.testName}</td>
                    <td className="num">
                      {formatStatistic(c.statistic)}
                      {c.band && <span className="muted small"> ({c.band})</span>}
                    </td>
                    <td className="num">{formatStatistic(c.threshold)}</td>
                    <td>
                      <span className={`drift-badge ${c.drifted ? "bad" : "good"}`}>{c.drifted ? "drifted" : "stable"}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      {column && (
        <ChartCard
          title={`${column.column}: reference and current`}
          subtitle={`${column.testName} ${formatStatistic(column.statistic)} · ${column.drifted ? "drifted" : "stable"}${
            column.referenceMissing || column.currentMissing ? ` · missing: ${column.referenceMissing} reference, ${column.currentMissing} current rows` : ""
          }`}
          testId="drift-histogram"
          data={{ "data-column": column.column }}
          csv={() =>
            ["bin,reference,current", ...histogramLabels(column.histogram).map((l, i) => `"${l}",${column.histogram.reference[i]},${column.histogram.current[i]}`)].join("\n")
          }
          option={option}
          height={260}
        />
      )}
      {report.predictions && <PredictionCard report={report} />}
      {report.estimatedAccuracy && <AccuracyCard report={report} />}
    </div>
  );
}

function QueueDrifted({ report, reference, current }: { report: DriftReportDto; reference: string; current: string }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(() => defaultQueueName(report));
  const [limit, setLimit] = useState("");
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const n = limit.trim() === "" ? null : Number(limit);
      const q = await ipc.saveDriftQueue({ reference, current, name: name.trim(), limit: n !== null && Number.isFinite(n) && n > 0 ? Math.floor(n) : null });
      setDone(`Saved queue “${q.name}”: ${q.counts.total.toLocaleString("en-US")} items of ${report.current.label}, least like the reference first.`);
      setOpen(false);
    } catch (e) {
      setError(normaliseError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="drift-queue">
      {!open && (
        <button type="button" className="button small primary" data-testid="drift-queue" onClick={() => setOpen(true)}>
          Queue the drifted items…
        </button>
      )}
      {open && (
        <form
          className="drift-queue-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <span className="muted small">A classifier learns to tell the current rows from the reference; the rows it finds most unlike the reference come first.</span>
          <label className="toolbar-field">
            <span>Queue name</span>
            <input data-testid="drift-queue-name" value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <label className="toolbar-field">
            <span>Items (empty: all)</span>
            <input data-testid="drift-queue-limit" inputMode="numeric" value={limit} onChange={(e) => setLimit(e.target.value)} size={6} />
          </label>
          <button type="submit" className="button small primary" data-testid="drift-queue-save" disabled={busy || name.trim() === ""}>
            {busy ? "Saving…" : "Save queue"}
          </button>
          <button type="button" className="button small" onClick={() => setOpen(false)} disabled={busy}>
            Cancel
          </button>
        </form>
      )}
      {done && (
        <span className="muted small" role="status" data-testid="drift-queue-done">
          {done}
        </span>
      )}
      {error && (
        <div className="form-error" role="alert" data-testid="drift-queue-error" data-code={error.code}>
          {error.message}
        </div>
      )}
    </div>
  );
}

function PredictionCard({ report }: { report: DriftReportDto }) {
  const p = report.predictions!;
  return (
    <section className="dash-card" data-testid="drift-predictions">
      <h3>Prediction drift</h3>
      <p className="dash-card-sub">
        Class mix: Jensen–Shannon distance {formatStatistic(p.classMixDistance)} ({p.classMixDrifted ? "drifted" : "stable"}) · mean top-class confidence {pct(p.referenceMeanConfidence)} →{" "}
        {pct(p.currentMeanConfidence)} ({p.confidenceTest} {formatStatistic(p.confidenceStatistic)}
        {p.confidenceDrifted ? ", drifted" : ""})
      </p>
      <table className="drift-table">
        <thead>
          <tr>
            <th>Predicted class</th>
            <th className="num">Reference</th>
            <th className="num">Current</th>
          </tr>
        </thead>
        <tbody>
          {p.classMix.map((c) => (
            <tr key={c.class}>
              <td>{c.class}</td>
              <td className="num">{pct(c.reference)}</td>
              <td className="num">{pct(c.current)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {p.flips && (
        <p className="dash-card-sub" data-testid="drift-flips">
          Same items: {p.flips.flipped.toLocaleString("en-US")} of {p.flips.items.toLocaleString("en-US")} predictions changed ({pct(p.flips.flipRate)}) · Cohen's κ{" "}
          {p.flips.kappa === null ? "—" : p.flips.kappa.toFixed(3)}
        </p>
      )}
    </section>
  );
}

function AccuracyCard({ report }: { report: DriftReportDto }) {
  const e = report.estimatedAccuracy!;
  const r = e.reference;
  return (
    <section className="dash-card" data-testid="drift-accuracy">
      <h3>Estimated accuracy</h3>
      <div className="drift-accuracy">
        <div>
          <div className="drift-figure">{pct(e.estimate)}</div>
          <div className="muted small">
            {report.current.label}, without labels ({e.calibrated ? "calibrated" : "uncalibrated"})
          </div>
        </div>
        <div>
          <div className="drift-figure">{r.items > 0 ? pct(r.accuracy) : "Not measured"}</div>
          <div className="muted small">
            {r.items > 0
              ? `${report.reference.label} measured on ${r.items.toLocaleString("en-US")} decided items${r.low !== null && r.high !== null ? ` (95% ${pct(r.low)}–${pct(r.high)})` : ""}`
              : `${report.reference.label} has no decided items yet: label some to measure it`}
          </div>
        </div>
      </div>
      <p className="drift-warning small" data-testid="drift-accuracy-warning">
        {e.warning}
      </p>
    </section>
  );
}
