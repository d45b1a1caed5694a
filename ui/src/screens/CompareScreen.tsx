import { useEffect, useState } from "react";
import type { ComparisonDto } from "../bindings/ComparisonDto";
import type { IpcError } from "../bindings/IpcError";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import type { QueueDto } from "../bindings/QueueDto";
import type { RunInfo } from "../bindings/RunInfo";
import { IntervalBar } from "../components/IntervalBar";
import { IpcErrorBox } from "../components/IpcErrorBox";
import * as ipc from "../ipc";
import { estimateOf, formatP, verdict } from "../lib/compare";
import { formatCount } from "../lib/format";
import { normaliseError } from "../lib/ipcError";
import { queueableRuns } from "../lib/queueForm";
import { formatPercent } from "../lib/reportData";
import { runLabel } from "../lib/runs";
import "../dashboard.css";

interface Props {
  project: ProjectInfo;
  onBack: () => void;
}

/** `<select>` value of "every decided item". */
const ALL = "";

function figure(v: number | null): string {
  return v === null ? "—" : v.toFixed(3);
}

/**
 * Two runs on the same decided items (of one queue, or all): each run's accuracy with its 95%
 * interval drawn, macro-F1 and ECE; the flips, McNemar's exact p and a verdict in plain words.
 */
export function CompareScreen({ project, onBack }: Props) {
  const [runs, setRuns] = useState<RunInfo[] | null>(null);
  const [queues, setQueues] = useState<QueueDto[]>([]);
  const [a, setA] = useState("");
  const [b, setB] = useState("");
  const [on, setOn] = useState(ALL);
  const [result, setResult] = useState<ComparisonDto | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    let cancelled = false;
    ipc
      .listRuns()
      .then((list) => {
        if (cancelled) return;
        const usable = queueableRuns(list);
        setRuns(usable);
        // Preselect the two newest runs over one dataset version: the older as A.
        const newest = usable[0];
        const older = newest ? usable.find((r) => r.run !== newest.run && r.versionId === newest.versionId) : undefined;
        if (newest && older) {
          setA(String(older.run));
          setB(String(newest.run));
        }
      })
      .catch(() => !cancelled && setRuns([]));
    ipc
      .listQueues()
      .then((q) => !cancelled && setQueues(q))
      .catch(() => {});
    return () => {
      cancelled = true;
    };
  }, []);

  useEffect(() => {
    if (a === "" || b === "") return;
    let cancelled = false;
    setLoading(true);
    setError(null);
    ipc
      .compareRuns(Number(a), Number(b), on === ALL ? null : on)
      .then((c) => !cancelled && setResult(c))
      .catch((err) => {
        if (cancelled) return;
        setResult(null);
        setError(normaliseError(err));
      })
      .finally(() => !cancelled && setLoading(false));
    return () => {
      cancelled = true;
    };
  }, [a, b, on]);

  const runSelect = (value: string, set: (v: string) => void, testId: string, label: string) => (
    <label className="toolbar-field">
      <span>{label}</span>
      <select data-testid={testId} className="dash-run" value={value} onChange={(e) => set(e.target.value)}>
        <option value="">Choose…</option>
        {(runs ?? []).map((r) => (
          <option key={r.run} value={String(r.run)}>
            {runLabel(r)}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <div className="dash-screen" data-testid="compare-screen" aria-busy={loading}>
      <header className="app-header">
        <button type="button" className="button small" data-testid="compare-back" onClick={onBack}>
          ← Items
        </button>
        <div className="header-title">
          <h1>Compare runs</h1>
          <span className="header-path" title={project.path}>
            {project.name}
          </span>
        </div>
        <div className="header-spacer" />
        {loading && <span className="muted small">Comparing…</span>}
        {runSelect(a, setA, "compare-run-a", "A")}
        {runSelect(b, setB, "compare-run-b", "B")}
        <label className="toolbar-field">
          <span>Items</span>
          <select data-testid="compare-on" className="dash-run" value={on} onChange={(e) => setOn(e.target.value)}>
            <option value={ALL}>Every decided item</option>
            {queues.map((q) => (
              <option key={q.id} value={q.name}>
                Queue {q.name}
              </option>
            ))}
          </select>
        </label>
      </header>
      <div className="dash-scroll">
        {runs !== null && runs.length < 2 && (
          <p className="dash-note" data-testid="compare-need-runs">
            Comparing needs two finished runs over the same dataset version — run a second model (say an INT8 export of this one).
          </p>
        )}
        {error && <IpcErrorBox error={error} testId="compare-error" />}
        {result && (
          <section className="dash-card compare-card" data-testid="compare-result">
            <div className="dash-card-head">
              <div className="dash-card-titles">
                <h3>
                  {formatCount(result.items)} decided {result.items === 1 ? "item" : "items"}
                  {result.on ? ` of queue ${result.on}` : ""}
                </h3>
              </div>
            </div>
            <p className="compare-verdict" data-testid="compare-verdict">
              {verdict(result)}
            </p>
            <table className="compare-table tabular">
              <thead>
                <tr>
                  <th />
                  <th>Run</th>
                  <th>Accuracy</th>
                  <th className="compare-interval">95% interval</th>
                  <th>Macro-F1</th>
                  <th>ECE</th>
                </tr>
              </thead>
              <tbody>
                {result.runs.map((r, i) => (
                  <tr key={`${i}-${r.run}`} data-testid={`compare-row-${i === 0 ? "a" : "b"}`}>
                    <th scope="row">{i === 0 ? "A" : "B"}</th>
                    <td>
                      Run {r.run} · {r.model}
                    </td>
                    <td>{formatPercent(r.accuracy)}</td>
                    <td className="compare-interval">
                      <IntervalBar line={{ estimate: estimateOf(r, result.items) }} />
                      <span className="muted small">
                        {formatPercent(r.ci_low)} – {formatPercent(r.ci_high)}
                      </span>
                    </td>
                    <td>{figure(r.macro_f1)}</td>
                    <td>{figure(r.ece)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="dash-note tabular" data-testid="compare-flips">
              Flips: {formatCount(result.flips.total)} — {formatCount(result.flips.a_only)} right by A only, {formatCount(result.flips.b_only)} right by B
              only · McNemar exact p = {formatP(result.mcnemar_p)}
            </p>
          </section>
        )}
      </div>
    </div>
  );
}
